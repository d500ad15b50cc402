//! Exports: our records in other systems' formats. Pure: values in, values out;
//! the CLI shell writes the files.

pub mod egi;
