//! Unit tests of the document model, per section.
