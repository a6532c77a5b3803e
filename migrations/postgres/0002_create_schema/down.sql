DROP TABLE configurations;
DROP TABLE rule_sensors;
DROP TABLE rules;
DROP TABLE sensors;
DROP TABLE api_keys;
DROP TABLE users;
