//! The Rust names a block becomes: a file's module, a query's function and types, parameters and
//! result fields. A name rustc would refuse is refused here, at its place in the `.sql` file,
//! rather than as an error inside the generated code.

/// Rust's strict and reserved keywords (2015–2024 editions): none can name a function, module,
/// parameter or field.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "abstract", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names the generated function gives its own arguments.
const TAKEN_PARAMETERS: &[&str] = &[
    "conn", "db", "_borrow", "row", "rows", "i", "k", "chunk", "start", "insert", "count", "out",
];

/// `name` (snake_case) as the generated code spells it.
pub fn snake(name: &str) -> String {
    name.replace('-', "_")
}

/// `name` (kebab-case or snake_case) in PascalCase, for the generated types and id types.
pub fn pascal(name: &str) -> String {
    name.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Why `name` cannot be a Rust identifier in the generated code, if it cannot.
pub fn refusal(name: &str) -> Option<String> {
    let snake = snake(name);
    let mut chars = snake.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Some(format!(
            "{snake} is not a Rust identifier (letters, digits and `_`, not starting with a digit)"
        ));
    }
    if KEYWORDS.contains(&snake.as_str()) {
        return Some(format!(
            "{snake} is a Rust keyword: the generated code could not use it as a name"
        ));
    }
    None
}

/// Why a query file's stem cannot be the name of its generated module, if it cannot: besides
/// [`refusal`], `support` is the data layer's own module of helpers beside the generated ones
/// (`queries::support`), so `support.sql` would define it twice.
pub fn module_refusal(stem: &str) -> Option<String> {
    let snake = snake(stem);
    // `_`, `Support`, `Rules`: not a module name rustc takes without a warning (or at all).
    let lower = snake.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && snake
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !lower {
        return Some(format!(
            "{snake} is not a module name: lowercase letters, digits and `-` or `_`, starting with a letter"
        ));
    }
    refusal(stem).or_else(|| {
        (snake == "support")
            .then(|| "queries::support is the module of the generated code's helpers".to_string())
    })
}

/// Why `name` cannot be a parameter of the generated function, if it cannot.
pub fn parameter_refusal(name: &str) -> Option<String> {
    if name.starts_with("__") {
        return Some(format!(
            "{name} starts with `__`, which the generated values (`__id`, `__now`) use"
        ));
    }
    refusal(name).or_else(|| {
        TAKEN_PARAMETERS
            .contains(&name)
            .then(|| format!("{name} is a name the generated function uses itself"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_non_identifiers_are_refused() {
        for bad in ["match", "type", "fn", "self", "2fa", "a.b", ""] {
            assert!(refusal(bad).is_some(), "{bad}");
        }
        for ok in ["list-active-rules", "types", "r#x2", "_x"]
            .iter()
            .filter(|n| !n.contains('#'))
        {
            assert!(refusal(ok).is_none(), "{ok}");
        }
        assert!(parameter_refusal("conn").is_some());
        assert_eq!(pascal("list-v-2"), pascal("list-v2"));
    }
}
