//! The checker's one diagnostic type: every stage (file, tokens, parse, resolve, types, rules)
//! reports problems as [`Diagnostic`]s, each at the token it is about.

use std::fmt;

/// What kind of rule a diagnostic enforces; stable names for editors, CI scripts and `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// The file cannot be read.
    Io,
    /// The block structure or an annotation (`-- name:`, `-- returns:`, …) is wrong.
    Annotation,
    /// The SQL does not tokenize or parse under the checked grammar.
    Syntax,
    /// A table, column, alias or model that the schema does not have, or that is ambiguous.
    Schema,
    /// A type error: incompatible operands, a value that does not fit its column, overflow.
    Type,
    /// A construct one of the engines rejects (dialect syntax, reserved words, name case).
    Portability,
    /// A construct the engines accept but answer differently on the same data.
    Meaning,
    /// A table read or written without constraining `tenant_id` to a parameter.
    TenantScope,
    /// A soft-deleted table read without `deleted_at IS NULL`, or hard-deleted.
    SoftDelete,
    /// A write that would break the rules of the data (no WHERE, `modified_at`, `tenant_id`).
    Safety,
    /// The result columns do not fit what the block returns or its row model.
    Result,
    /// A parameter whose type cannot be inferred or conflicts with its declaration.
    Parameter,
}

impl Code {
    /// The stable kebab-case name (`tenant-scope`).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Io => "io",
            Code::Annotation => "annotation",
            Code::Syntax => "syntax",
            Code::Schema => "schema",
            Code::Type => "type",
            Code::Portability => "portability",
            Code::Meaning => "meaning",
            Code::TenantScope => "tenant-scope",
            Code::SoftDelete => "soft-delete",
            Code::Safety => "safety",
            Code::Result => "result",
            Code::Parameter => "parameter",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem, located in a query file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as given (`queries/rules.sql`); empty until the block's file is known.
    pub file: String,
    /// 1-based line (of the file once [`crate::check_file`] returns it; of the block's SQL
    /// inside the stages).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The query's name (empty outside blocks).
    pub query: String,
    /// Which rule.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// What would fix it.
    pub help: String,
}

impl Diagnostic {
    /// A diagnostic in `file` at `line:column`.
    pub fn new(
        file: &str,
        line: usize,
        column: usize,
        query: &str,
        code: Code,
        message: &str,
        help: &str,
    ) -> Self {
        Self {
            file: file.into(),
            line,
            column,
            query: query.into(),
            code,
            message: message.into(),
            help: help.into(),
        }
    }

    /// A diagnostic at `line:column` of a block's SQL (file and query filled in later).
    pub fn at(
        code: Code,
        line: usize,
        column: usize,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Self {
            file: String::new(),
            line,
            column,
            query: String::new(),
            code,
            message: message.into(),
            help: help.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query = if self.query.is_empty() {
            String::new()
        } else {
            format!(" [{}]", self.query)
        };
        write!(
            f,
            "{}:{}:{}:{query} {} ({})\n  help: {}",
            self.file, self.line, self.column, self.message, self.code, self.help
        )
    }
}
