//! A recursive-descent parser for the portable SQL subset.
//!
//! The grammar admits only constructs that SQLite, PostgreSQL and MySQL all accept and read the
//! same way; that is what makes a block portable, together with the token lints in `lint`, which
//! name the dialect-only constructs the tokenizer recognises (`::`, `||`, `$1`, quoted
//! identifiers, …) before the parser sees them. Where the engines disagree on precedence (chained
//! comparisons), the grammar demands parentheses.

use crate::ast::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::token::{self, Kind, Token};

/// Deepest nesting of parentheses, subqueries, NOT and unary minus; recursion is bounded by this
/// so hostile input errors instead of overflowing the stack.
pub const MAX_DEPTH: usize = 64;

/// Tallest expression tree; bounds long operator chains (`a + a + …`), which the parser builds in
/// loops but which walking and dropping would recurse through.
pub const MAX_HEIGHT: usize = 256;

const ACCEPTS: &str = "the checker accepts one statement: [WITH w AS (SELECT …), …] SELECT [DISTINCT] … [FROM t [AS] a [[INNER | LEFT [OUTER]] JOIN … ON …]] [WHERE …] [GROUP BY …] [HAVING …] [ORDER BY … [ASC | DESC]] [LIMIT n [OFFSET n]] [UNION ALL SELECT …], INSERT INTO t (columns) VALUES (…) or SELECT …, UPDATE t SET c = … [WHERE …] or DELETE FROM t [WHERE …]; subqueries in WHERE and select lists (see queries/README.md)";

/// Words that cannot be an identifier or an alias, so a clause keyword is never read as one.
const RESERVED: &[&str] = &[
    "ALL",
    "AND",
    "AS",
    "ASC",
    "BETWEEN",
    "BY",
    "CASE",
    "CROSS",
    "DELETE",
    "DESC",
    "DISTINCT",
    "ELSE",
    "END",
    "EXCEPT",
    "EXISTS",
    "FALSE",
    "FETCH",
    "FOR",
    "FROM",
    "FULL",
    "GROUP",
    "HAVING",
    "ILIKE",
    "IN",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "JOIN",
    "LEFT",
    "LIKE",
    "LIMIT",
    "NATURAL",
    "NOT",
    "NULL",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "RETURNING",
    "RIGHT",
    "SELECT",
    "SET",
    "THEN",
    "TRUE",
    "UNION",
    "UPDATE",
    "USING",
    "VALUES",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

fn is_reserved(t: &Token) -> bool {
    t.kind == Kind::Word && RESERVED.iter().any(|r| t.text.eq_ignore_ascii_case(r))
}

/// Parses one block's SQL (a trailing `;` allowed) into its statement.
pub fn parse(sql: &str) -> Result<Statement, Diagnostic> {
    parse_tokens(sql, token::tokenize_checked(sql)?)
}

/// Parses the tokens of `sql` (from [`token::tokenize_checked`]) as one statement.
pub fn parse_tokens(sql: &str, tokens: Vec<Token>) -> Result<Statement, Diagnostic> {
    let mut p = Parser {
        tokens,
        i: 0,
        depth: 0,
        end: end_of(sql),
    };
    if p.tokens.iter().all(|t| t.is_symbol(";")) {
        return Err(several((1, 1), 0));
    }
    let statement = p.statement()?;
    if p.eat_symbol(";") && p.peek().is_some() {
        let rest = &p.tokens[p.i..];
        let more = rest
            .split(|t| t.is_symbol(";"))
            .filter(|s| !s.is_empty())
            .count();
        return Err(several(p.pos(), 1 + more));
    }
    if p.peek().is_some() {
        return p.fail("the end of the statement");
    }
    Ok(statement)
}

/// At the second statement's first token (or the start, for none).
fn several(at: Pos, n: usize) -> Diagnostic {
    Diagnostic::at(
        Code::Syntax,
        at.0,
        at.1,
        format!("a block must hold exactly one statement, found {n}"),
        "split it into several named blocks",
    )
}

/// The position just after the last non-blank character, for "found the end" errors.
fn end_of(sql: &str) -> Pos {
    let (mut line, mut column) = (1, 1);
    for c in sql.trim_end().chars() {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

struct Parser {
    tokens: Vec<Token>,
    i: usize,
    depth: usize,
    end: Pos,
}

type Parsed<T> = Result<T, Diagnostic>;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.i)
    }

    fn peek_at(&self, k: usize) -> Option<&Token> {
        self.tokens.get(self.i + k)
    }

    fn pos(&self) -> Pos {
        self.peek().map_or(self.end, Token::pos)
    }

    fn at_keyword(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is_keyword(kw))
    }

    fn at_symbol(&self, s: &str) -> bool {
        self.peek().is_some_and(|t| t.is_symbol(s))
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        let hit = self.at_keyword(kw);
        self.i += usize::from(hit);
        hit
    }

    fn eat_symbol(&mut self, s: &str) -> bool {
        let hit = self.at_symbol(s);
        self.i += usize::from(hit);
        hit
    }

    fn advance(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.i).cloned();
        self.i += 1;
        t
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "the end of the statement".into(),
            Some(t) if is_reserved(t) => format!("keyword {}", t.text.to_ascii_uppercase()),
            Some(t) => t.to_string(),
        }
    }

    fn fail<T>(&self, expected: &str) -> Parsed<T> {
        let (l, c) = self.pos();
        Err(Diagnostic::at(
            Code::Syntax,
            l,
            c,
            format!(
                "does not parse: expected {expected}, found {}",
                self.describe()
            ),
            ACCEPTS,
        ))
    }

    /// `[ORDER BY expr [ASC | DESC], …]`, of a query or a window (empty without ORDER BY).
    fn order_by(&mut self) -> Parsed<Vec<OrderBy>> {
        let mut order_by = Vec::new();
        if !self.eat_keyword("ORDER") {
            return Ok(order_by);
        }
        self.expect_keyword("BY")?;
        loop {
            let expr = self.expr()?;
            let descending = self.eat_keyword("DESC");
            if !descending {
                self.eat_keyword("ASC");
            }
            if self.at_keyword("NULLS") {
                return self.refuse(
                    "NULLS FIRST / NULLS LAST is not supported by MySQL",
                    "NULLs sort first ascending on SQLite and MySQL, last on PostgreSQL; sort on `column IS NULL` first to make the order explicit",
                );
            }
            order_by.push(OrderBy { expr, descending });
            if !self.eat_symbol(",") {
                return Ok(order_by);
            }
        }
    }

    /// An error at the current token for a construct the grammar leaves out on purpose.
    fn refuse<T>(&self, what: &str, help: &str) -> Parsed<T> {
        let (l, c) = self.pos();
        Err(Diagnostic::at(
            Code::Syntax,
            l,
            c,
            format!("does not parse: {what}"),
            help,
        ))
    }

    fn expect_keyword(&mut self, kw: &str) -> Parsed<()> {
        if self.eat_keyword(kw) {
            Ok(())
        } else {
            self.fail(kw)
        }
    }

    fn expect_symbol(&mut self, s: &str) -> Parsed<()> {
        if self.eat_symbol(s) {
            Ok(())
        } else {
            self.fail(&format!("`{s}`"))
        }
    }

    fn enter(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let (l, c) = self.pos();
            return Err(Diagnostic::at(
                Code::Syntax,
                l,
                c,
                format!("the statement is nested too deeply (more than {MAX_DEPTH} levels)"),
                "split the expression, or compute part of it in Rust",
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn expr_node(&self, pos: Pos, kind: ExprKind) -> Parsed<Expr> {
        let e = Expr::new(pos, kind);
        if e.height > MAX_HEIGHT {
            return Err(Diagnostic::at(
                Code::Syntax,
                pos.0,
                pos.1,
                format!("the expression is too long: a chain of more than {MAX_HEIGHT} operators (AND, OR, +, ||, …) is an expression tree too tall to check"),
                "split it (a long OR of equalities is a `-- list:` parameter: col IN (:values)), or compute part of it in Rust",
            ));
        }
        Ok(e)
    }

    fn ident(&mut self, what: &str) -> Parsed<Ident> {
        match self.peek() {
            Some(t) if t.kind == Kind::Word && !is_reserved(t) => {
                let t = self.advance().expect("peeked");
                Ok(Ident {
                    value: t.text,
                    pos: (t.line, t.column),
                })
            }
            _ => self.fail(what),
        }
    }

    /// `[AS] alias`, where a bare alias is any word that is not a keyword.
    fn alias(&mut self) -> Parsed<Option<Ident>> {
        if self.eat_keyword("AS") {
            return self.ident("an alias after AS").map(Some);
        }
        match self.peek() {
            Some(t) if t.kind == Kind::Word && !is_reserved(t) => self.ident("an alias").map(Some),
            _ => Ok(None),
        }
    }

    fn statement(&mut self) -> Parsed<Statement> {
        let Some(first) = self.peek() else {
            return self.fail("a statement");
        };
        let word = if first.kind == Kind::Word {
            first.text.to_ascii_uppercase()
        } else {
            String::new()
        };
        match word.as_str() {
            "SELECT" => {
                let select = self.select()?;
                if !self.at_keyword("UNION") {
                    for op in ["INTERSECT", "EXCEPT"] {
                        if self.at_keyword(op) {
                            return self.refuse(
                                &format!("{op} is not supported by the checker (MySQL 8.0.31 and MariaDB 10.3 are the first with it)"),
                                "use NOT EXISTS or EXISTS",
                            );
                        }
                    }
                    return Ok(Statement::Select(Box::new(select)));
                }
                self.union(select).map(|u| Statement::Union(Box::new(u)))
            }
            "INSERT" => self.insert().map(Statement::Insert),
            "UPDATE" => self.update().map(Statement::Update),
            "DELETE" => self.delete().map(Statement::Delete),
            "WITH" => self.with().map(|w| Statement::With(Box::new(w))),
            "" => self.fail("SELECT, WITH, INSERT, UPDATE or DELETE"),
            _ => self.refuse(
                &format!(
                    "only SELECT, WITH, INSERT, UPDATE and DELETE are supported, found {word}"
                ),
                "keep DDL in migrations",
            ),
        }
    }

    /// `WITH name AS (SELECT …), … SELECT …`.
    fn with(&mut self) -> Parsed<With> {
        self.expect_keyword("WITH")?;
        if self.at_keyword("RECURSIVE") {
            return self.refuse(
                "WITH RECURSIVE is not supported by the checker",
                "walk the hierarchy in Rust, one level per query",
            );
        }
        let mut ctes = Vec::new();
        loop {
            let name = self.ident("a name for the WITH query")?;
            if self.at_symbol("(") {
                return self.refuse(
                    "a column list after a WITH name is not supported by the checker",
                    "name the columns with aliases in its SELECT",
                );
            }
            self.expect_keyword("AS")?;
            self.expect_symbol("(")?;
            if !self.at_keyword("SELECT") {
                return self.fail("SELECT inside WITH … AS (");
            }
            let query = self.subquery()?;
            ctes.push((name, *query));
            if !self.eat_symbol(",") {
                break;
            }
        }
        if !self.at_keyword("SELECT") {
            return self.refuse(
                &format!(
                    "WITH before {}: only a SELECT may read WITH queries here",
                    self.describe()
                ),
                "select the rows in one named query, then change them in another",
            );
        }
        let body = match self.statement()? {
            s @ (Statement::Select(_) | Statement::Union(_)) => s,
            _ => unreachable!("a statement starting with SELECT is a SELECT or a UNION"),
        };
        Ok(With { ctes, body })
    }

    /// `UNION ALL` branches after the first; the last branch's ORDER BY, LIMIT and OFFSET
    /// belong to the whole.
    fn union(&mut self, first: Select) -> Parsed<Union> {
        let mut branches = vec![first];
        while self.at_keyword("UNION") {
            let last = branches.last().expect("one branch at least");
            if !last.order_by.is_empty() || last.limit.is_some() {
                return self.refuse(
                    "ORDER BY or LIMIT before UNION ALL: PostgreSQL and SQLite refuse it",
                    "put ORDER BY and LIMIT after the last branch; they apply to the whole",
                );
            }
            self.i += 1;
            if !self.eat_keyword("ALL") {
                return self.refuse(
                    "UNION without ALL removes duplicate rows, each engine by its own text comparison",
                    "write UNION ALL (and SELECT DISTINCT in the branches if needed)",
                );
            }
            if !self.at_keyword("SELECT") {
                return self.fail("SELECT after UNION ALL");
            }
            branches.push(self.select()?);
        }
        for op in ["INTERSECT", "EXCEPT"] {
            if self.at_keyword(op) {
                return self.refuse(
                    &format!("{op} is not supported by the checker"),
                    "use NOT EXISTS or EXISTS",
                );
            }
        }
        let last = branches.last_mut().expect("two branches");
        Ok(Union {
            order_by: std::mem::take(&mut last.order_by),
            limit: last.limit.take(),
            offset: last.offset.take(),
            branches,
        })
    }

    fn select(&mut self) -> Parsed<Select> {
        let pos = self.pos();
        self.expect_keyword("SELECT")?;
        let distinct = self.eat_keyword("DISTINCT");
        let mut items = Vec::new();
        loop {
            items.push(self.select_item()?);
            if !self.eat_symbol(",") {
                break;
            }
        }
        let mut from = Vec::new();
        if self.eat_keyword("FROM") {
            loop {
                from.push(self.table_with_joins()?);
                if !self.eat_symbol(",") {
                    break;
                }
            }
        }
        let selection = self.where_clause()?;
        let mut group_by = Vec::new();
        if self.eat_keyword("GROUP") {
            self.expect_keyword("BY")?;
            loop {
                group_by.push(self.expr()?);
                if !self.eat_symbol(",") {
                    break;
                }
            }
        }
        let having = if self.eat_keyword("HAVING") {
            Some(self.expr()?)
        } else {
            None
        };
        let order_by = self.order_by()?;
        let (mut limit, mut offset) = (None, None);
        if self.eat_keyword("LIMIT") {
            limit = Some(self.limit_value("LIMIT")?);
            if self.eat_keyword("OFFSET") {
                offset = Some(self.limit_value("OFFSET")?);
            }
        } else if self.at_keyword("OFFSET") {
            return self.refuse(
                "OFFSET without LIMIT is not accepted by MySQL",
                "write LIMIT :limit OFFSET :offset",
            );
        }
        Ok(Select {
            pos,
            distinct,
            items,
            from,
            selection,
            group_by,
            having,
            order_by,
            limit,
            offset,
        })
    }

    fn limit_value(&mut self, clause: &str) -> Parsed<Expr> {
        match self.peek() {
            // MySQL takes only whole numbers here.
            Some(t) if t.kind == Kind::Number && t.text.chars().all(|c| c.is_ascii_digit()) => {
                let t = self.advance().expect("peeked");
                self.expr_node(t.pos(), ExprKind::Literal(Literal::Number(t.text)))
            }
            Some(t) if t.kind == Kind::Param => {
                let t = self.advance().expect("peeked");
                self.expr_node(t.pos(), ExprKind::Param)
            }
            _ => self.fail(&format!("a whole number or a parameter after {clause}")),
        }
    }

    fn where_clause(&mut self) -> Parsed<Option<Expr>> {
        if self.eat_keyword("WHERE") {
            Ok(Some(self.expr()?))
        } else {
            Ok(None)
        }
    }

    fn select_item(&mut self) -> Parsed<SelectItem> {
        let pos = self.pos();
        if self.eat_symbol("*") {
            return Ok(SelectItem::Wildcard(pos));
        }
        let qualified_star = self
            .peek()
            .is_some_and(|t| t.kind == Kind::Word && !is_reserved(t))
            && self.peek_at(1).is_some_and(|t| t.is_symbol("."))
            && self.peek_at(2).is_some_and(|t| t.is_symbol("*"));
        if qualified_star {
            let qualifier = self.ident("a table or alias")?;
            self.i += 1;
            let star = self.pos();
            self.i += 1;
            return Ok(SelectItem::QualifiedWildcard(qualifier, star));
        }
        let expr = self.expr()?;
        let alias = self.alias()?;
        Ok(SelectItem::Expr { expr, alias })
    }

    fn table_ref(&mut self) -> Parsed<TableRef> {
        if self.at_symbol("(") {
            return self.refuse(
                "only plain tables are supported in FROM",
                "use a table name, optionally with an alias",
            );
        }
        let name = self.ident("a table name")?;
        if self.at_symbol(".") {
            return self.refuse(
                "schema-qualified table names are not supported",
                "write the bare table name",
            );
        }
        let alias = self.alias()?;
        Ok(TableRef { name, alias })
    }

    fn table_with_joins(&mut self) -> Parsed<TableWithJoins> {
        let table = self.table_ref()?;
        let mut joins = Vec::new();
        loop {
            let left = if self.eat_keyword("LEFT") {
                self.eat_keyword("OUTER");
                true
            } else if self.eat_keyword("INNER") || self.at_keyword("JOIN") {
                false
            } else {
                for kw in ["RIGHT", "FULL", "CROSS", "NATURAL"] {
                    if self.at_keyword(kw) {
                        return self.refuse(
                            &format!("{kw} JOIN is not supported"),
                            "only [INNER | LEFT [OUTER]] JOIN … ON is supported",
                        );
                    }
                }
                break;
            };
            self.expect_keyword("JOIN")?;
            let joined = self.table_ref()?;
            if !self.eat_keyword("ON") {
                let (l, c) = self.pos();
                return Err(Diagnostic::at(
            Code::Syntax,
                    l,
                    c,
                    format!(
                        "does not parse: expected ON after the joined table, found {}",
                        self.describe()
                    ),
                    "only [INNER | LEFT [OUTER]] JOIN … ON is supported; write the join condition with ON",
                ));
            }
            let on = self.expr()?;
            joins.push(Join {
                left,
                table: joined,
                on,
            });
        }
        Ok(TableWithJoins { table, joins })
    }

    fn insert(&mut self) -> Parsed<Insert> {
        self.expect_keyword("INSERT")?;
        self.expect_keyword("INTO")?;
        let table = self.ident("a table name")?;
        let mut columns = Vec::new();
        let mut columns_close = self.pos();
        if self.eat_symbol("(") {
            loop {
                columns.push(self.ident("a column name")?);
                if !self.eat_symbol(",") {
                    break;
                }
            }
            columns_close = self.pos();
            self.expect_symbol(")")?;
        }
        if self.at_keyword("SELECT") {
            let source = self.select()?;
            return Ok(Insert {
                table,
                columns,
                rows: vec![],
                columns_close,
                rows_close: vec![],
                source: Some(Box::new(source)),
            });
        }
        if !self.eat_keyword("VALUES") {
            if self.at_keyword("DEFAULT") || self.at_keyword("WITH") {
                return self.refuse(
                    "only INSERT … VALUES and INSERT … SELECT are supported",
                    "write INSERT INTO t (columns) VALUES (:params)",
                );
            }
            return self.fail("VALUES or SELECT");
        }
        let mut rows = Vec::new();
        let mut rows_close = Vec::new();
        loop {
            self.expect_symbol("(")?;
            rows.push(self.expr_list()?);
            rows_close.push(self.pos());
            self.expect_symbol(")")?;
            if !self.eat_symbol(",") {
                break;
            }
        }
        Ok(Insert {
            table,
            columns,
            rows,
            columns_close,
            rows_close,
            source: None,
        })
    }

    fn update(&mut self) -> Parsed<Update> {
        self.expect_keyword("UPDATE")?;
        let table = self.table_ref()?;
        self.expect_keyword("SET")?;
        let mut assignments = Vec::new();
        loop {
            let column = self.ident("a column name")?;
            if self.at_symbol(".") {
                return self.refuse(
                    "qualified SET targets are rejected by PostgreSQL",
                    "write the bare column name",
                );
            }
            self.expect_symbol("=")?;
            assignments.push((column, self.expr()?));
            if !self.eat_symbol(",") {
                break;
            }
        }
        let set_end = self.pos();
        let selection = self.where_clause()?;
        Ok(Update {
            table,
            assignments,
            selection,
            set_end,
        })
    }

    fn delete(&mut self) -> Parsed<Delete> {
        self.expect_keyword("DELETE")?;
        self.expect_keyword("FROM")?;
        let name = self.ident("a table name")?;
        let selection = self.where_clause()?;
        Ok(Delete {
            table: TableRef { name, alias: None },
            selection,
        })
    }

    fn expr_list(&mut self) -> Parsed<Vec<Expr>> {
        let mut list = vec![self.expr()?];
        while self.eat_symbol(",") {
            list.push(self.expr()?);
        }
        Ok(list)
    }

    /// A subquery after its `(`, through the closing `)`.
    fn subquery(&mut self) -> Parsed<Box<Select>> {
        self.enter()?;
        let select = self.select()?;
        self.leave();
        self.expect_symbol(")")?;
        Ok(Box::new(select))
    }

    fn expr(&mut self) -> Parsed<Expr> {
        self.enter()?;
        let e = self.or()?;
        self.leave();
        Ok(e)
    }

    fn binary(&self, left: Expr, op: BinaryOp, right: Expr) -> Parsed<Expr> {
        self.expr_node(
            left.pos,
            ExprKind::Binary {
                left: Box::new(left),
                op,
                right: Box::new(right),
            },
        )
    }

    fn or(&mut self) -> Parsed<Expr> {
        let mut left = self.and()?;
        while self.eat_keyword("OR") {
            let right = self.and()?;
            left = self.binary(left, BinaryOp::Or, right)?;
        }
        Ok(left)
    }

    fn and(&mut self) -> Parsed<Expr> {
        let mut left = self.not()?;
        while self.eat_keyword("AND") {
            let right = self.not()?;
            left = self.binary(left, BinaryOp::And, right)?;
        }
        Ok(left)
    }

    fn not(&mut self) -> Parsed<Expr> {
        let pos = self.pos();
        if self.eat_keyword("NOT") {
            self.enter()?;
            let e = self.not()?;
            self.leave();
            return self.expr_node(
                pos,
                ExprKind::Unary {
                    op: UnaryOp::Not,
                    expr: Box::new(e),
                },
            );
        }
        self.comparison()
    }

    /// At most one predicate (`=`, IS, IN, BETWEEN, LIKE) per level: the engines give them
    /// different relative precedence, so a chain must be parenthesised.
    fn comparison(&mut self) -> Parsed<Expr> {
        let left = self.concat()?;
        let e = self.predicate(left)?;
        if self.at_predicate() {
            return self.refuse(
                &format!(
                    "{} after a comparison: chained comparisons group differently per database",
                    self.describe()
                ),
                "add parentheses",
            );
        }
        Ok(e)
    }

    fn at_predicate(&self) -> bool {
        let Some(t) = self.peek() else { return false };
        let negatable = |t: Option<&Token>| {
            t.is_some_and(|t| ["IN", "BETWEEN", "LIKE"].iter().any(|k| t.is_keyword(k)))
        };
        (t.kind == Kind::Symbol
            && ["=", "<>", "!=", "<", "<=", ">", ">=", "==", "<=>"].contains(&t.text.as_str()))
            || t.is_keyword("IS")
            || negatable(Some(t))
            || (t.is_keyword("NOT") && negatable(self.peek_at(1)))
    }

    fn predicate(&mut self, left: Expr) -> Parsed<Expr> {
        let pos = left.pos;
        let Some(t) = self.peek().cloned() else {
            return Ok(left);
        };
        if t.kind == Kind::Symbol {
            let op = match t.text.as_str() {
                "=" => BinaryOp::Eq,
                "<>" | "!=" => BinaryOp::NotEq,
                "<" => BinaryOp::Lt,
                "<=" => BinaryOp::LtEq,
                ">" => BinaryOp::Gt,
                ">=" => BinaryOp::GtEq,
                "==" => return self.refuse("`==` is SQLite-only", "write `=`"),
                "<=>" => {
                    return self.refuse(
                        "`<=>` is MySQL-only",
                        "write `a = b OR (a IS NULL AND b IS NULL)`",
                    )
                }
                _ => return Ok(left),
            };
            self.i += 1;
            let right = self.concat()?;
            return self.binary(left, op, right);
        }
        if self.eat_keyword("IS") {
            let negated = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                return self.refuse(
                    &format!("expected NULL after IS, found {}", self.describe()),
                    "only IS [NOT] NULL is accepted: IS TRUE, IS DISTINCT FROM and the like are not available on all three databases",
                );
            }
            return self.expr_node(
                pos,
                ExprKind::IsNull {
                    expr: Box::new(left),
                    negated,
                },
            );
        }
        let negated = t.is_keyword("NOT")
            && self
                .peek_at(1)
                .is_some_and(|n| ["IN", "BETWEEN", "LIKE"].iter().any(|k| n.is_keyword(k)));
        if negated {
            self.i += 1;
        }
        if self.eat_keyword("IN") {
            self.expect_symbol("(")?;
            if self.at_keyword("SELECT") {
                let subquery = self.subquery()?;
                return self.expr_node(
                    pos,
                    ExprKind::InSubquery {
                        expr: Box::new(left),
                        subquery,
                        negated,
                    },
                );
            }
            if self.at_symbol(")") {
                return self.fail("a value (an empty IN list is rejected by PostgreSQL and MySQL)");
            }
            let list = self.expr_list()?;
            self.expect_symbol(")")?;
            return self.expr_node(
                pos,
                ExprKind::InList {
                    expr: Box::new(left),
                    list,
                    negated,
                },
            );
        }
        if self.eat_keyword("BETWEEN") {
            let low = self.concat()?;
            self.expect_keyword("AND")?;
            let high = self.concat()?;
            return self.expr_node(
                pos,
                ExprKind::Between {
                    expr: Box::new(left),
                    low: Box::new(low),
                    high: Box::new(high),
                    negated,
                },
            );
        }
        if self.eat_keyword("LIKE") {
            let pattern = self.concat()?;
            if self.at_keyword("ESCAPE") {
                return self.refuse(
                    "LIKE … ESCAPE is not supported by the checker",
                    "avoid `%` and `_` in the pattern, or filter in Rust",
                );
            }
            return self.expr_node(
                pos,
                ExprKind::Like {
                    expr: Box::new(left),
                    pattern: Box::new(pattern),
                    negated,
                },
            );
        }
        Ok(left)
    }

    /// `a || b`: between the predicates and `+`/`-`, as on PostgreSQL. SQLite and MySQL bind
    /// `||` tighter than `+`, but an arithmetic operand of `||` (or a `||` operand of
    /// arithmetic) is a number beside text, which the typer refuses whichever way it groups.
    fn concat(&mut self) -> Parsed<Expr> {
        let mut left = self.additive()?;
        while self.eat_symbol("||") {
            let right = self.additive()?;
            left = self.binary(left, BinaryOp::Concat, right)?;
        }
        Ok(left)
    }

    fn additive(&mut self) -> Parsed<Expr> {
        let mut left = self.multiplicative()?;
        loop {
            let op = if self.eat_symbol("+") {
                BinaryOp::Plus
            } else if self.eat_symbol("-") {
                BinaryOp::Minus
            } else {
                return Ok(left);
            };
            let right = self.multiplicative()?;
            left = self.binary(left, op, right)?;
        }
    }

    fn multiplicative(&mut self) -> Parsed<Expr> {
        let mut left = self.unary()?;
        loop {
            let op = if self.eat_symbol("*") {
                BinaryOp::Multiply
            } else if self.eat_symbol("/") {
                BinaryOp::Divide
            } else if self.eat_symbol("%") {
                BinaryOp::Modulo
            } else {
                return Ok(left);
            };
            let right = self.unary()?;
            left = self.binary(left, op, right)?;
        }
    }

    fn unary(&mut self) -> Parsed<Expr> {
        let pos = self.pos();
        if self.eat_symbol("-") {
            self.enter()?;
            let e = self.unary()?;
            self.leave();
            return self.expr_node(
                pos,
                ExprKind::Unary {
                    op: UnaryOp::Minus,
                    expr: Box::new(e),
                },
            );
        }
        self.primary()
    }

    fn primary(&mut self) -> Parsed<Expr> {
        let pos = self.pos();
        let Some(t) = self.peek().cloned() else {
            return self.fail("an expression");
        };
        match t.kind {
            Kind::Number => {
                self.i += 1;
                self.expr_node(pos, ExprKind::Literal(Literal::Number(t.text)))
            }
            Kind::Str => {
                self.i += 1;
                self.expr_node(pos, ExprKind::Literal(Literal::String(t.text)))
            }
            Kind::Param => {
                self.i += 1;
                self.expr_node(pos, ExprKind::Param)
            }
            Kind::Symbol if t.text == "(" => {
                self.i += 1;
                if self.at_keyword("SELECT") {
                    let q = self.subquery()?;
                    return self.expr_node(pos, ExprKind::Subquery(q));
                }
                let inner = self.expr()?;
                if self.at_symbol(",") {
                    return self.refuse(
                        "row values `(a, b)` are not supported by the checker",
                        "compare one column at a time, joined with AND",
                    );
                }
                self.expect_symbol(")")?;
                self.expr_node(pos, ExprKind::Nested(Box::new(inner)))
            }
            Kind::Word => self.word(t),
            _ => self.fail("an expression"),
        }
    }

    fn word(&mut self, t: Token) -> Parsed<Expr> {
        let pos = t.pos();
        let upper = t.text.to_ascii_uppercase();
        match upper.as_str() {
            "TRUE" | "FALSE" | "NULL" => {
                self.i += 1;
                let literal = match upper.as_str() {
                    "TRUE" => Literal::Bool(true),
                    "FALSE" => Literal::Bool(false),
                    _ => Literal::Null,
                };
                return self.expr_node(pos, ExprKind::Literal(literal));
            }
            "CASE" => return self.case(),
            "EXISTS" => {
                self.i += 1;
                self.expect_symbol("(")?;
                if !self.at_keyword("SELECT") {
                    return self.fail("SELECT after EXISTS (");
                }
                let q = self.subquery()?;
                return self.expr_node(pos, ExprKind::Exists(q));
            }
            "CAST" if self.peek_at(1).is_some_and(|n| n.is_symbol("(")) => {
                return self.refuse(
                    "CAST is not supported by the checker: the type names it takes differ per database",
                    "bind a parameter of the wanted type, or convert in Rust",
                );
            }
            _ => {}
        }
        if is_reserved(&t) {
            return self.fail("an expression");
        }
        let first = self.ident("an expression")?;
        if self.eat_symbol("(") {
            return self.call(first);
        }
        if self.eat_symbol(".") {
            if self.at_symbol("*") {
                return self.refuse(
                    "`t.*` is only accepted as an entry of the select list",
                    "name the column",
                );
            }
            let column = self.ident("a column name after `.`")?;
            return self.expr_node(
                pos,
                ExprKind::Column {
                    table: Some(first),
                    column,
                },
            );
        }
        self.expr_node(
            pos,
            ExprKind::Column {
                table: None,
                column: first,
            },
        )
    }

    /// A function call after its `(`.
    fn call(&mut self, name: Ident) -> Parsed<Expr> {
        let pos = name.pos;
        let args = if self.eat_symbol("*") {
            Args::Star
        } else {
            let distinct = self.eat_keyword("DISTINCT");
            let args = if !distinct && self.at_symbol(")") {
                Vec::new()
            } else {
                self.expr_list()?
            };
            Args::List { distinct, args }
        };
        self.expect_symbol(")")?;
        let function = self.expr_node(pos, ExprKind::Function { name, args })?;
        if !self.eat_keyword("OVER") {
            return Ok(function);
        }
        if !self.eat_symbol("(") {
            return self.refuse(
                "named windows (`OVER w`) are not supported by the checker",
                "write the window in parentheses: OVER (PARTITION BY … ORDER BY …)",
            );
        }
        let mut partition_by = Vec::new();
        if self.eat_keyword("PARTITION") {
            self.expect_keyword("BY")?;
            partition_by = self.expr_list()?;
        }
        let order_by = self.order_by()?;
        for frame in ["ROWS", "RANGE", "GROUPS"] {
            if self.at_keyword(frame) {
                return self.refuse(
                    "window frames (ROWS, RANGE, GROUPS) are not supported by the checker: the engines differ on their forms (MySQL and MariaDB have no GROUPS)",
                    "use the default frame: the partition, or up to the current row's peers with ORDER BY",
                );
            }
        }
        self.expect_symbol(")")?;
        self.expr_node(
            pos,
            ExprKind::Window {
                function: Box::new(function),
                partition_by,
                order_by,
            },
        )
    }

    fn case(&mut self) -> Parsed<Expr> {
        let pos = self.pos();
        self.expect_keyword("CASE")?;
        let operand = if self.at_keyword("WHEN") {
            None
        } else {
            Some(Box::new(self.expr()?))
        };
        let mut branches = Vec::new();
        while self.eat_keyword("WHEN") {
            let when = self.expr()?;
            self.expect_keyword("THEN")?;
            branches.push((when, self.expr()?));
        }
        if branches.is_empty() {
            return self.fail("WHEN");
        }
        let otherwise = if self.eat_keyword("ELSE") {
            Some(Box::new(self.expr()?))
        } else {
            None
        };
        self.expect_keyword("END")?;
        self.expr_node(
            pos,
            ExprKind::Case {
                operand,
                branches,
                otherwise,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(sql: &str) -> Statement {
        parse(sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }

    fn err(sql: &str) -> Diagnostic {
        parse(sql).expect_err(sql)
    }

    #[test]
    fn the_subset_parses() {
        for sql in [
            "SELECT DISTINCT a, t.b AS x, t.*, COUNT(*) n, COUNT(DISTINCT c) FROM t AS t JOIN u ON u.id = t.id LEFT OUTER JOIN v w ON w.id = t.id INNER JOIN x ON TRUE WHERE a IN (1, :p) AND b NOT BETWEEN 1 AND 2 OR NOT c IS NOT NULL GROUP BY a HAVING COUNT(*) > 1 ORDER BY a DESC, b ASC LIMIT :l OFFSET 5;",
            "SELECT CASE WHEN a = 1 THEN 'x' ELSE 'y' END AS c, CASE a WHEN 1 THEN 2 END AS d, -a * (b + 1) % 3 AS e FROM t WHERE EXISTS (SELECT 1 FROM u) AND a IN (SELECT b FROM u) AND c = (SELECT MAX(d) FROM u) AND e LIKE 'x%' AND f NOT LIKE ?",
            "INSERT INTO t (a, b) VALUES (:a, NULL), (1, 'x')",
            "UPDATE t SET a = :a, b = b + 1 WHERE c = ?",
            "DELETE FROM t WHERE a = :a",
            "SELECT 1",
        ] {
            ok(sql);
        }
    }

    #[test]
    fn precedence() {
        let Statement::Select(s) = ok("SELECT a FROM t WHERE a = 1 OR b = 2 AND NOT c = 3") else {
            panic!()
        };
        let Some(Expr {
            kind: ExprKind::Binary { op, right, .. },
            ..
        }) = &s.selection
        else {
            panic!()
        };
        assert_eq!(*op, BinaryOp::Or);
        assert!(matches!(
            right.kind,
            ExprKind::Binary {
                op: BinaryOp::And,
                ..
            }
        ));
    }

    #[test]
    fn errors_name_the_token_and_its_position() {
        let e = err("SELECT name\nFROM FROM t");
        assert_eq!((e.line, e.column), (2, 6));
        assert!(e.message.contains("keyword FROM"), "{e:?}");
        assert!(err("SELECT a FROM t RIGHT JOIN u ON TRUE")
            .message
            .contains("RIGHT JOIN"));
        assert!(err("SELECT a FROM t WHERE a = 1 = 2")
            .message
            .contains("chained"));
        assert!(err("SELECT a FROM t UNION SELECT b FROM u")
            .message
            .contains("UNION"));
        let two = err("SELECT a FROM t; SELECT 1");
        assert!(two.message.contains("found 2"));
        assert_eq!((two.line, two.column), (1, 18), "at the second statement");
        assert!(err("CREATE TABLE t (a int)")
            .message
            .contains("only SELECT"));
        assert!(err("SELECT a FROM t WHERE")
            .message
            .contains("end of the statement"));
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!(
            "SELECT {}1{} AS n",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert!(err(&deep).message.contains("nested too deeply"));
        let long = format!("SELECT 1{} AS n", " + 1".repeat(100_000));
        assert!(err(&long)
            .message
            .contains("a chain of more than 256 operators"));
        let nots = format!("SELECT a FROM t WHERE {} a = 1", "NOT ".repeat(100_000));
        assert!(err(&nots).message.contains("nested too deeply"));
    }
}
