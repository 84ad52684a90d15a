//! Tests of tree files: parsing errors and evaluation.
