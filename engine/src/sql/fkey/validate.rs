//! Checking the rows a table already holds against a foreign key (ALTER TABLE … ADD
//! FOREIGN KEY without NOT VALID, and VALIDATE CONSTRAINT).

use super::enforce::check_row;
use crate::catalog::{ForeignKeyDef, TableDef};
use crate::error::Result;
use crate::sql::TxnCx;

/// Fails with the first row of `table` (as the statement sees it) that `fk` refuses, with
/// the 23503 an INSERT of that row would get. DDL holds the catalog exclusively, so no
/// other transaction changes either table meanwhile and no row locks are taken.
pub fn validate_all(cx: &mut TxnCx<'_>, table: &TableDef, fk: &ForeignKeyDef) -> Result<()> {
    let rows = cx.reader().rows(table)?;
    for (_, row) in rows {
        crate::interrupt::check()?;
        check_row(cx, table, fk, &row, false)?;
    }
    Ok(())
}
