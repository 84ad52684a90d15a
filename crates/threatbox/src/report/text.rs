//! text report (placeholder).
pub fn render(_a: &crate::analyse::Analysis, _color: bool) -> String {
    String::new()
}
