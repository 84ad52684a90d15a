//! Built images: the bytes as a `docker save` archive, as an OCI layout
//! directory unpacked from them, or as a Trivy/Grype vulnerability report.
//! The first byte picks which.
#![no_main]

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use threatbox::parse::image::{ImageLimits, ImageReadOptions, read_archive, read_layout};

/// Scratch space of this fuzzing process (one process per target run).
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("threatbox-fuzz-image-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The reader's real limits allow gigabytes of layers; a fuzz input of at
/// most 64 KiB only needs the ratio check to start early, so that a
/// compression bomb is cut at 4 MiB instead of 512 MiB (same code path).
fn options(choice: u8) -> ImageReadOptions {
    ImageReadOptions {
        platform: (choice & 0x10 != 0).then(|| "linux/arm64".to_string()),
        limits: ImageLimits {
            ratio_floor_bytes: 4 * 1024 * 1024,
            max_tar_bytes: 64 * 1024 * 1024,
            ..ImageLimits::default()
        },
    }
}

/// Unpacks the bytes (a tar) into a fresh directory: only plain member
/// names that an OCI layout uses, flat or under `blobs/ALG/`.
fn unpack_layout(bytes: &[u8], dir: &std::path::Path) {
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::create_dir_all(dir.join("blobs/sha256"));
    let mut archive = tar::Archive::new(bytes);
    let Ok(entries) = archive.entries() else { return };
    for entry in entries.take(64) {
        let Ok(mut entry) = entry else { return };
        let Ok(path) = entry.path() else { continue };
        let name = path.to_string_lossy().trim_start_matches("./").to_string();
        let safe = name
            .split('/')
            .all(|p| !p.is_empty() && p != ".." && p != "." && p.len() < 200)
            && name.split('/').count() <= 3;
        if !safe {
            continue;
        }
        let target = dir.join(&name);
        if let Some(parent) = target.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let mut data = Vec::new();
        if (&mut entry).take(1 << 20).read_to_end(&mut data).is_ok() {
            let _ = std::fs::write(target, data);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, body)) = data.split_first() else {
        return;
    };
    let display: Arc<str> = "<fuzz>/image.tar".into();
    match choice % 3 {
        0 => {
            let file = scratch().join("image.tar");
            if std::fs::write(&file, body).is_err() {
                return;
            }
            let read = read_archive(&file, display, &options(choice));
            for d in &read.diagnostics {
                assert!(!d.message.is_empty());
            }
        }
        1 => {
            let dir = scratch().join("layout");
            unpack_layout(body, &dir);
            let read = read_layout(&dir, display, &options(choice));
            assert!(read.is_image);
        }
        _ => {
            let text = String::from_utf8_lossy(body);
            let _ = threatbox::parse::vulns::sniff(&text);
            let _ = threatbox::parse::vulns::parse(&text, "<fuzz>/trivy.json".into());
        }
    }
});
