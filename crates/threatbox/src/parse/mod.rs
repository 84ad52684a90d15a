//! Parsers: bytes → spanned syntax trees plus diagnostics. Nothing here
//! knows about threats; see `model` and `analyse`.

pub mod dockerfile;
pub mod dockerignore;
pub mod image;
pub mod shell;
pub mod vulns;
pub mod yaml;
