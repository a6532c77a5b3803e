//! The syntax tree of the portable SQL subset (see `parse`).

use std::ops::ControlFlow;

/// (line, column) of a node's first token, 1-based, inside the block's SQL.
pub type Pos = (usize, usize);

/// An identifier as written, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The text as written (not case-folded).
    pub value: String,
    /// Where it starts.
    pub pos: Pos,
}

/// One statement of a block.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `SELECT …`.
    Select(Box<Select>),
    /// `SELECT … UNION ALL SELECT … [ORDER BY …] [LIMIT …]`.
    Union(Box<Union>),
    /// `WITH name AS (SELECT …), … SELECT …` (the body a SELECT or a UNION ALL).
    With(Box<With>),
    /// `INSERT INTO … VALUES …`.
    Insert(Insert),
    /// `UPDATE … SET …`.
    Update(Update),
    /// `DELETE FROM …`.
    Delete(Delete),
}

/// `SELECT [DISTINCT] items [FROM …] [WHERE …] [GROUP BY …] [HAVING …] [ORDER BY …] [LIMIT …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// Position of `SELECT`.
    pub pos: Pos,
    /// `SELECT DISTINCT`.
    pub distinct: bool,
    /// The select list.
    pub items: Vec<SelectItem>,
    /// Comma-separated FROM entries, each with its joins.
    pub from: Vec<TableWithJoins>,
    /// WHERE.
    pub selection: Option<Expr>,
    /// GROUP BY.
    pub group_by: Vec<Expr>,
    /// HAVING.
    pub having: Option<Expr>,
    /// ORDER BY.
    pub order_by: Vec<OrderBy>,
    /// LIMIT (a number or a parameter).
    pub limit: Option<Expr>,
    /// OFFSET (a number or a parameter).
    pub offset: Option<Expr>,
}

/// Selects joined by `UNION ALL`; the ORDER BY, LIMIT and OFFSET after the last apply to the
/// whole (each branch has none of its own).
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// The branches, in order (two or more).
    pub branches: Vec<Select>,
    /// ORDER BY over the result columns.
    pub order_by: Vec<OrderBy>,
    /// LIMIT.
    pub limit: Option<Expr>,
    /// OFFSET.
    pub offset: Option<Expr>,
}

/// Named subqueries before a SELECT (non-recursive common table expressions).
#[derive(Debug, Clone, PartialEq)]
pub struct With {
    /// `name AS (SELECT …)`, in order: each may read the ones before it.
    pub ctes: Vec<(Ident, Select)>,
    /// The statement that reads them (a SELECT or a UNION ALL).
    pub body: Statement,
}

/// An entry of the select list.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    /// `*`, with the position of the star.
    Wildcard(Pos),
    /// `t.*`, with the position of the star.
    QualifiedWildcard(Ident, Pos),
    /// `expr [[AS] alias]`.
    Expr {
        /// The expression.
        expr: Expr,
        /// Its alias.
        alias: Option<Ident>,
    },
}

/// A table with an optional alias.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRef {
    /// The table's name.
    pub name: Ident,
    /// `[AS] alias`.
    pub alias: Option<Ident>,
}

/// A FROM entry and the tables joined to it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableWithJoins {
    /// The first table.
    pub table: TableRef,
    /// `[INNER | LEFT [OUTER]] JOIN … ON …`, in order.
    pub joins: Vec<Join>,
}

/// One join.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// `LEFT [OUTER] JOIN` rather than `[INNER] JOIN`.
    pub left: bool,
    /// The joined table.
    pub table: TableRef,
    /// The ON condition.
    pub on: Expr,
}

/// `expr [ASC | DESC]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    /// The sort key.
    pub expr: Expr,
    /// `DESC`.
    pub descending: bool,
}

/// `INSERT INTO table (columns) VALUES (…), …`.
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    /// The table.
    pub table: Ident,
    /// The listed columns (empty when the statement lists none).
    pub columns: Vec<Ident>,
    /// The rows of values.
    pub rows: Vec<Vec<Expr>>,
    /// Where the `)` closing the column list is (generated columns go before it).
    pub columns_close: Pos,
    /// Where the `)` closing each row of values is.
    pub rows_close: Vec<Pos>,
    /// `INSERT INTO table (columns) SELECT …`: the rows come from this query (`rows` is
    /// empty).
    pub source: Option<Box<Select>>,
}

/// `UPDATE table [alias] SET column = expr, … [WHERE …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The table.
    pub table: TableRef,
    /// `column = value` pairs.
    pub assignments: Vec<(Ident, Expr)>,
    /// WHERE.
    pub selection: Option<Expr>,
    /// Where the token after the last assignment is (a generated assignment goes before it).
    pub set_end: Pos,
}

/// `DELETE FROM table [WHERE …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// The table.
    pub table: TableRef,
    /// WHERE.
    pub selection: Option<Expr>,
}

/// An expression with the position of its first token.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Where it starts.
    pub pos: Pos,
    /// Height of the tree below (a leaf is 1); the parser bounds it so walking and dropping the
    /// tree cannot exhaust the stack.
    pub height: usize,
    /// What it is.
    pub kind: ExprKind,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A number, as written.
    Number(String),
    /// A string, as written (quotes included).
    String(String),
    /// TRUE or FALSE.
    Bool(bool),
    /// NULL.
    Null,
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// OR.
    Or,
    /// AND.
    And,
    /// `=`.
    Eq,
    /// `<>` or `!=`.
    NotEq,
    /// `<`.
    Lt,
    /// `<=`.
    LtEq,
    /// `>`.
    Gt,
    /// `>=`.
    GtEq,
    /// `+`.
    Plus,
    /// `-`.
    Minus,
    /// `*`.
    Multiply,
    /// `/`.
    Divide,
    /// `%`.
    Modulo,
    /// `||`: text concatenation (MySQL sessions of this crate set `PIPES_AS_CONCAT`).
    Concat,
}

impl BinaryOp {
    /// Whether this is one of `= <> < <= > >=`.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            Self::Eq | Self::NotEq | Self::Lt | Self::LtEq | Self::Gt | Self::GtEq
        )
    }
}

/// A unary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// NOT.
    Not,
    /// `-`.
    Minus,
}

/// The arguments of a function call.
#[derive(Debug, Clone, PartialEq)]
pub enum Args {
    /// `(*)`, as in `COUNT(*)`.
    Star,
    /// `([DISTINCT] a, b, …)`.
    List {
        /// `DISTINCT`.
        distinct: bool,
        /// The arguments.
        args: Vec<Expr>,
    },
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `column` or `table.column`.
    Column {
        /// The table or alias, if qualified.
        table: Option<Ident>,
        /// The column.
        column: Ident,
    },
    /// `:name` or `?`.
    Param,
    /// A literal.
    Literal(Literal),
    /// `NOT e`, `-e`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
    },
    /// `a op b`.
    Binary {
        /// Left operand.
        left: Box<Expr>,
        /// The operator.
        op: BinaryOp,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `e IS [NOT] NULL`.
    IsNull {
        /// The operand.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `e [NOT] IN (a, b, …)`.
    InList {
        /// The operand.
        expr: Box<Expr>,
        /// The list.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `e [NOT] IN (SELECT …)`.
    InSubquery {
        /// The operand.
        expr: Box<Expr>,
        /// The subquery.
        subquery: Box<Select>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `e [NOT] BETWEEN low AND high`.
    Between {
        /// The operand.
        expr: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `e [NOT] LIKE pattern`.
    Like {
        /// The operand.
        expr: Box<Expr>,
        /// The pattern.
        pattern: Box<Expr>,
        /// `NOT LIKE`.
        negated: bool,
    },
    /// `name(args)`.
    Function {
        /// The function's name.
        name: Ident,
        /// Its arguments.
        args: Args,
    },
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    Case {
        /// The operand of a simple CASE.
        operand: Option<Box<Expr>>,
        /// (WHEN, THEN) pairs.
        branches: Vec<(Expr, Expr)>,
        /// ELSE.
        otherwise: Option<Box<Expr>>,
    },
    /// `f(args) OVER ([PARTITION BY …] [ORDER BY …])`.
    Window {
        /// The function (an `ExprKind::Function`).
        function: Box<Expr>,
        /// PARTITION BY.
        partition_by: Vec<Expr>,
        /// ORDER BY inside OVER.
        order_by: Vec<OrderBy>,
    },
    /// `EXISTS (SELECT …)`.
    Exists(Box<Select>),
    /// `(SELECT …)`.
    Subquery(Box<Select>),
    /// `(e)`.
    Nested(Box<Expr>),
}

impl Expr {
    /// An expression node; its height follows from its children.
    pub fn new(pos: Pos, kind: ExprKind) -> Self {
        let mut expr = Self {
            pos,
            height: 1,
            kind,
        };
        expr.height = 1 + expr.children().iter().map(|c| c.height).max().unwrap_or(0);
        expr
    }

    /// The direct sub-expressions, not descending into subqueries.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Column { .. }
            | ExprKind::Param
            | ExprKind::Literal(_)
            | ExprKind::Exists(_)
            | ExprKind::Subquery(_) => vec![],
            ExprKind::Unary { expr, .. }
            | ExprKind::IsNull { expr, .. }
            | ExprKind::Nested(expr)
            | ExprKind::InSubquery { expr, .. } => vec![&**expr],
            ExprKind::Binary { left, right, .. } => vec![&**left, &**right],
            ExprKind::InList { expr, list, .. } => std::iter::once(&**expr).chain(list).collect(),
            ExprKind::Between {
                expr, low, high, ..
            } => vec![&**expr, &**low, &**high],
            ExprKind::Like { expr, pattern, .. } => vec![&**expr, &**pattern],
            ExprKind::Function { args, .. } => match args {
                Args::Star => vec![],
                Args::List { args, .. } => args.iter().collect(),
            },
            ExprKind::Window {
                function,
                partition_by,
                order_by,
            } => std::iter::once(&**function)
                .chain(partition_by)
                .chain(order_by.iter().map(|o| &o.expr))
                .collect(),
            ExprKind::Case {
                operand,
                branches,
                otherwise,
            } => operand
                .iter()
                .map(|e| &**e)
                .chain(branches.iter().flat_map(|(w, t)| [w, t]))
                .chain(otherwise.iter().map(|e| &**e))
                .collect(),
        }
    }

    /// The subquery this node holds, if any.
    pub fn subquery(&self) -> Option<&Select> {
        match &self.kind {
            ExprKind::Exists(q)
            | ExprKind::Subquery(q)
            | ExprKind::InSubquery { subquery: q, .. } => Some(&**q),
            _ => None,
        }
    }
}

impl Select {
    /// Every expression the query holds directly, in source order.
    pub fn expressions(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        for item in &self.items {
            if let SelectItem::Expr { expr, .. } = item {
                out.push(expr);
            }
        }
        for twj in &self.from {
            out.extend(twj.joins.iter().map(|j| &j.on));
        }
        out.extend(self.selection.iter());
        out.extend(self.group_by.iter());
        out.extend(self.having.iter());
        out.extend(self.order_by.iter().map(|o| &o.expr));
        out.extend(self.limit.iter());
        out.extend(self.offset.iter());
        out
    }
}

/// Calls `f` on `root` and every expression below it, parents first, not entering subqueries
/// (whose columns resolve in their own scope); stops at the first `Break`.
pub fn walk_here<'a>(
    root: &'a Expr,
    f: &mut dyn FnMut(&'a Expr) -> ControlFlow<()>,
) -> ControlFlow<()> {
    f(root)?;
    for child in root.children() {
        walk_here(child, f)?;
    }
    ControlFlow::Continue(())
}

/// The subqueries directly in `root` (not those nested inside them), in source order.
pub fn subqueries(root: &Expr) -> Vec<&Select> {
    let mut out = Vec::new();
    let _ = walk_here(root, &mut |e| {
        out.extend(e.subquery());
        ControlFlow::Continue(())
    });
    out
}

/// Calls `f` on `root` and every expression below it, parents first, including those inside
/// subqueries; stops at the first `Break`.
pub fn walk<'a>(root: &'a Expr, f: &mut dyn FnMut(&'a Expr) -> ControlFlow<()>) -> ControlFlow<()> {
    f(root)?;
    for child in root.children() {
        walk(child, f)?;
    }
    if let Some(q) = root.subquery() {
        for e in q.expressions() {
            walk(e, f)?;
        }
    }
    ControlFlow::Continue(())
}
