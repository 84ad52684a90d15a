//! json report (placeholder).
pub fn render(_a: &crate::analyse::Analysis) -> String {
    String::new()
}
