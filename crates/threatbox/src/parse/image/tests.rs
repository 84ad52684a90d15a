use serde_json::json;

use super::testing::*;
use super::*;
use crate::model::image_archive::{Compression, EntryKind, Removal};

const KEY: &[u8] = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

/// The acceptance image: key added in layer 2, deleted in layer 3, a secret
/// build argument in history, no USER.
pub(crate) fn leaky_image() -> TestImage {
    TestImage::new("registry.example.com/team/api:1.0")
        .layer(
            "/bin/sh -c #(nop) ADD file:abc in / ",
            &[
                E::Dir("bin"),
                E::File("bin/sh", 0o755, b"ELF".to_vec()),
                E::File("usr/bin/passwd", 0o4755, b"ELF".to_vec()),
                E::File("etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/sh\n".to_vec()),
            ],
        )
        .empty("/bin/sh -c #(nop)  ARG NPM_TOKEN")
        .layer_with(
            "COPY id_rsa /root/.ssh/id_rsa # buildkit",
            &[E::Dir("root/.ssh"), E::File("root/.ssh/id_rsa", 0o600, KEY.to_vec())],
            gzip,
        )
        .layer_with(
            "|1 NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789 /bin/sh -c npm ci && rm /root/.ssh/id_rsa",
            &[E::Whiteout("root/.ssh/id_rsa"), E::File("app/index.js", 0o644, b"x".to_vec())],
            zstd,
        )
        .config(json!({"Env": ["PATH=/usr/bin"], "Cmd": ["node", "index.js"], "ExposedPorts": {"8080/tcp": {}}}))
}

fn read_tar(members: &[(String, Vec<u8>)], options: &ImageReadOptions) -> ImageRead {
    let dir = tempfile::tempdir().unwrap();
    let p = write_archive(dir.path(), "image.tar", members);
    read_archive(&p, "image.tar".into(), options)
}

fn codes(read: &ImageRead) -> Vec<&'static str> {
    read.diagnostics.iter().map(|d| d.code).collect()
}

fn check_leaky(read: &ImageRead) {
    assert!(read.is_image);
    assert_eq!(read.images.len(), 1, "{:?}", read.diagnostics);
    let img = &read.images[0];
    assert_eq!(img.repo_tags, vec!["registry.example.com/team/api:1.0"]);
    assert_eq!(img.layers.len(), 3);
    assert!(img.layers.iter().all(|l| l.complete));
    assert_eq!(img.config.user, None);
    assert_eq!(img.config.exposed_ports, vec!["8080/tcp"]);
    assert_eq!(img.platform.as_deref(), Some("linux/amd64"));
    // History: entry 1 is empty, so entry 2 made layer 1 and entry 3 layer 2.
    assert_eq!(img.history[1].layer, None);
    assert_eq!(img.history[2].layer, Some(1));
    assert_eq!(img.layers[2].history, Some(3));
    // The key stays in layer 2 (index 1) and is gone from the final tree.
    let key = img.layers[1]
        .entries
        .iter()
        .find(|e| e.path == "root/.ssh/id_rsa")
        .unwrap();
    assert!(key.private_key);
    assert_eq!(key.mode, 0o600);
    assert!(img.final_file("root/.ssh/id_rsa").is_none());
    assert!(img.final_file("app/index.js").is_some());
    assert_eq!(
        img.removed_by(1, "root/.ssh/id_rsa"),
        Some((2, Removal::Whiteout))
    );
    assert!(img.final_file("usr/bin/passwd").unwrap().is_setuid());
    assert!(
        img.final_file("etc/passwd")
            .unwrap()
            .content
            .as_deref()
            .unwrap()
            .starts_with("root:")
    );
}

#[test]
fn legacy_docker_save_is_read() {
    let read = read_tar(
        &legacy_members(&leaky_image()),
        &ImageReadOptions::default(),
    );
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    check_leaky(&read);
    // Legacy archives hold plain tars named by path: the digest is the diff ID.
    assert!(read.images[0].layers[0].digest.starts_with("sha256:"));
}

#[test]
fn current_docker_save_and_oci_layout_are_read() {
    let members = oci_members(&[leaky_image()], false, true);
    let read = read_tar(&members, &ImageReadOptions::default());
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    check_leaky(&read);
    let l = &read.images[0].layers;
    assert_eq!(
        l.iter().map(|l| l.compression).collect::<Vec<_>>(),
        vec![Compression::None, Compression::Gzip, Compression::Zstd]
    );

    // The same without manifest.json, as a directory: read through index.json.
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &oci_members(&[leaky_image()], false, false));
    let read = read_layout(dir.path(), "layout".into(), &ImageReadOptions::default());
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    check_leaky(&read);
    assert!(read.images[0].manifest_digest.is_some());
}

#[test]
fn multi_platform_index_reads_each_or_the_one_asked_for() {
    let mut arm = leaky_image();
    arm.arch = "arm64".into();
    let members = oci_members(&[leaky_image(), arm], true, false);
    let all = read_tar(&members, &ImageReadOptions::default());
    assert_eq!(all.images.len(), 2, "{:?}", all.diagnostics);
    let one = read_tar(
        &members,
        &ImageReadOptions {
            platform: Some("linux/arm64".into()),
            ..Default::default()
        },
    );
    assert_eq!(one.images.len(), 1);
    assert_eq!(one.images[0].platform.as_deref(), Some("linux/arm64"));
    assert!(platform_matches("linux/arm64/v8", "linux/arm64"));
    assert!(!platform_matches("linux/arm64", "linux/arm64/v8"));
}

#[test]
fn non_image_tar_is_reported_gently() {
    let read = read_tar(
        &[("README".into(), b"hi".to_vec())],
        &ImageReadOptions::default(),
    );
    assert!(!read.is_image);
    assert!(read.images.is_empty());
    assert_eq!(
        read.diagnostics[0].level,
        crate::source::DiagnosticLevel::Warning
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.tar");
    std::fs::write(&p, b"not a tar at all, just text").unwrap();
    let read = read_archive(&p, "x.tar".into(), &ImageReadOptions::default());
    assert!(!read.is_image && read.images.is_empty());
    assert!(!looks_like_image_archive(&p));
}

// ---- hostile input: diagnostics, never a panic ----

fn hostile(entries: &[E]) -> ImageRead {
    let img = TestImage::new("evil:1").layer("RUN evil", entries);
    read_tar(&legacy_members(&img), &ImageReadOptions::default())
}

#[test]
fn dotdot_and_absolute_paths_are_diagnosed_and_left_out() {
    let read = hostile(&[
        E::File("../../etc/cron.d/x", 0o644, b"x".to_vec()),
        E::File("/etc/shadow", 0o644, b"x".to_vec()),
        E::File("ok", 0o644, b"x".to_vec()),
    ]);
    let img = &read.images[0];
    let paths: Vec<&str> = img.layers[0]
        .entries
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(paths, vec!["ok"]);
    let msgs: Vec<&str> = read
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("`../../etc/cron.d/x`") && m.contains("..")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("`/etc/shadow`") && m.contains("absolute"))
    );
    assert!(
        read.diagnostics
            .iter()
            .all(|d| &*d.location.path == "image.tar")
    );
}

#[test]
fn symlinks_out_of_the_root_are_recorded_not_followed() {
    let read = hostile(&[
        E::Symlink("etc/x", "../../../../host"),
        E::Symlink("bin/sh", "/bin/busybox"),
    ]);
    let img = &read.images[0];
    assert_eq!(img.layers[0].entries.len(), 2);
    assert_eq!(img.layers[0].entries[0].kind, EntryKind::Symlink);
    assert_eq!(codes(&read), vec!["image-unsafe-entry"]);
    assert!(
        read.diagnostics[0]
            .message
            .contains("outside the image root")
    );
}

#[test]
fn huge_declared_size_and_truncation_are_errors() {
    let read = hostile(&[
        E::File("a", 0o644, b"x".to_vec()),
        E::Lying("big", 1 << 40, b"short".to_vec()),
    ]);
    assert!(!read.images[0].layers[0].complete);
    assert!(
        codes(&read).contains(&"image-read-error"),
        "{:?}",
        read.diagnostics
    );
}

#[test]
fn truncated_gzip_is_an_error() {
    let mut img =
        TestImage::new("t:1").layer_with("RUN x", &[E::File("a", 0o644, vec![7; 100_000])], gzip);
    let blob = &mut img.layers[0].1;
    blob.truncate(blob.len() / 2);
    let read = read_tar(
        &oci_members(&[img], false, true),
        &ImageReadOptions::default(),
    );
    assert!(!read.images[0].layers[0].complete);
    assert!(
        codes(&read).contains(&"image-read-error"),
        "{:?}",
        read.diagnostics
    );
}

#[test]
fn digest_mismatch_is_reported() {
    let img = TestImage::new("t:1").layer("RUN x", &[E::File("a", 0o644, b"x".to_vec())]);
    let mut members = oci_members(&[img], false, true);
    // Tamper with the layer blob after the manifest recorded its digest.
    let layer = members
        .iter_mut()
        .find(|(n, d)| n.starts_with("blobs/") && d.len() > 1000)
        .unwrap();
    layer.1[512] = b'y';
    let read = read_tar(&members, &ImageReadOptions::default());
    assert!(
        codes(&read).contains(&"image-digest-mismatch"),
        "{:?}",
        read.diagnostics
    );
    assert!(
        read.diagnostics
            .iter()
            .any(|d| d.message.contains("layer 1"))
    );
}

#[test]
fn tar_bomb_stops_at_the_budget() {
    // 64 MiB of zeros compresses about 1000:1.
    let zeros = vec![0u8; 64 * 1024 * 1024];
    let img = TestImage::new("bomb:1").layer_with("RUN x", &[E::File("z", 0o644, zeros)], gzip);
    let options = ImageReadOptions {
        limits: ImageLimits {
            ratio_floor_bytes: 1024 * 1024,
            ..Default::default()
        },
        ..Default::default()
    };
    let read = read_tar(&oci_members(&[img], false, true), &options);
    assert!(
        codes(&read).contains(&"image-limit"),
        "{:?}",
        read.diagnostics
    );
    let layer = &read.images[0].layers[0];
    assert!(!layer.complete);
    assert!(layer.bytes < 64 * 1024 * 1024);
}

#[test]
fn entry_budget_stops_many_small_entries() {
    let entries: Vec<E> = (0..50).map(|_| E::Dir("d")).collect();
    let img = TestImage::new("many:1").layer("RUN x", &entries);
    let options = ImageReadOptions {
        limits: ImageLimits {
            max_entries: 10,
            ..Default::default()
        },
        ..Default::default()
    };
    let read = read_tar(&legacy_members(&img), &options);
    assert_eq!(read.images[0].layers[0].entries.len(), 10);
    assert!(codes(&read).contains(&"image-limit"));
}

#[test]
fn hostile_manifests_are_diagnosed() {
    for manifest in [
        b"{not json".to_vec(),
        b"{}".to_vec(),
        br#"[{"Config": "../../etc/passwd", "Layers": []}]"#.to_vec(),
        br#"[{"Config": "missing.json", "Layers": ["/abs/layer.tar"]}]"#.to_vec(),
        br#"[{"RepoTags": 5}]"#.to_vec(),
    ] {
        let read = read_tar(
            &[("manifest.json".into(), manifest.clone())],
            &ImageReadOptions::default(),
        );
        assert!(read.is_image);
        assert!(read.images.is_empty());
        assert!(
            !read.diagnostics.is_empty(),
            "{}",
            String::from_utf8_lossy(&manifest)
        );
    }
    // An index pointing at a malformed digest or a missing blob.
    let index = br#"{"manifests": [{"digest": "sha256:../../x"}, {"digest": "sha256:00"}]}"#;
    let read = read_tar(
        &[("index.json".into(), index.to_vec())],
        &ImageReadOptions::default(),
    );
    assert!(read.images.is_empty());
    assert_eq!(read.diagnostics.len(), 2, "{:?}", read.diagnostics);
}

#[test]
fn oversized_json_is_refused() {
    let options = ImageReadOptions {
        limits: ImageLimits {
            max_json_bytes: 100,
            ..Default::default()
        },
        ..Default::default()
    };
    let big = format!("[{}]", " ".repeat(500));
    let read = read_tar(&[("manifest.json".into(), big.into_bytes())], &options);
    assert_eq!(codes(&read), vec!["image-limit"]);
}

#[test]
fn layout_blobs_outside_the_directory_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"{}").unwrap();
    std::fs::create_dir_all(dir.path().join("blobs/sha256")).unwrap();
    let hex = "a".repeat(64);
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret"),
        dir.path().join(format!("blobs/sha256/{hex}")),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("index.json"),
        format!(r#"{{"manifests": [{{"digest": "sha256:{hex}"}}]}}"#),
    )
    .unwrap();
    let read = read_layout(dir.path(), "layout".into(), &ImageReadOptions::default());
    assert!(read.images.is_empty());
    assert!(
        read.diagnostics[0].message.contains("not a regular file"),
        "{:?}",
        read.diagnostics
    );
}

#[test]
fn compressed_outer_archive_gets_advice() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("image.tar.gz");
    std::fs::write(&p, gzip(&archive(&legacy_members(&leaky_image())))).unwrap();
    let read = read_archive(&p, "image.tar.gz".into(), &ImageReadOptions::default());
    assert!(read.diagnostics[0].message.contains("decompress"));
}

#[test]
fn opaque_directory_hides_lower_content() {
    let img = TestImage::new("o:1")
        .layer(
            "RUN a",
            &[E::File("d/a", 0o644, vec![]), E::File("e", 0o644, vec![])],
        )
        .layer("RUN b", &[E::Opaque("d"), E::File("d/b", 0o644, vec![])]);
    let read = read_tar(&legacy_members(&img), &ImageReadOptions::default());
    let paths: Vec<&str> = read.images[0].merged.keys().map(String::as_str).collect();
    assert_eq!(paths, vec!["d/b", "e"]);
}

#[test]
fn long_name_headers_are_bounded_before_tar_reads_them() {
    // A modest long name is honoured.
    let read = hostile(&[E::LongName(300)]);
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    assert_eq!(read.images[0].layers[0].entries[0].path.len(), 300);
    // 8 MiB of long name (zeros compress well): refused, not buffered.
    let img = TestImage::new("ln:1").layer_with("RUN x", &[E::LongName(8 << 20)], gzip);
    let options = ImageReadOptions::default();
    let read = read_tar(&oci_members(&[img], false, true), &options);
    assert!(
        codes(&read).contains(&"image-limit"),
        "{:?}",
        read.diagnostics
    );
    assert!(
        read.diagnostics
            .iter()
            .any(|d| d.message.contains("long-name or PAX header"))
    );
}

#[test]
fn zstd_layers_of_several_frames_with_skippable_ones_are_read() {
    let tar = layer_tar(&[
        E::File("a", 0o644, vec![1; 5000]),
        E::File("b", 0o644, vec![2; 5000]),
    ]);
    let (first, second) = tar.split_at(3000);
    let mut blob = zstd(first);
    // A skippable frame (magic 0x184D2A50, 4 bytes of payload) between them.
    blob.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 9, 9, 9, 9]);
    blob.extend_from_slice(&zstd(second));
    let mut img = TestImage::new("z:1").layer_with("RUN x", &[], zstd);
    img.layers[0] = (tar, blob);
    let read = read_tar(
        &oci_members(&[img], false, true),
        &ImageReadOptions::default(),
    );
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let paths: Vec<&str> = read.images[0].layers[0]
        .entries
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(paths, vec!["a", "b"]);
    assert_eq!(read.images[0].layers[0].compression, Compression::Zstd);
}

#[test]
fn corrupt_zstd_is_an_error() {
    let mut img =
        TestImage::new("z:1").layer_with("RUN x", &[E::File("a", 0o644, vec![1; 5000])], zstd);
    img.layers[0].1.truncate(20);
    let read = read_tar(
        &oci_members(&[img], false, true),
        &ImageReadOptions::default(),
    );
    assert!(
        codes(&read).contains(&"image-read-error"),
        "{:?}",
        read.diagnostics
    );
}

#[test]
fn nested_index_without_media_type_is_followed() {
    let members = oci_members(&[leaky_image()], true, false);
    let (_, index) = members.iter().find(|(n, _)| n == "index.json").unwrap();
    // Move the index into a blob and point a media-type-less descriptor at it.
    let digest = super::layer::sha256(index);
    let mut members: Vec<(String, Vec<u8>)> = members
        .iter()
        .filter(|(n, _)| n != "index.json")
        .cloned()
        .collect();
    members.push((
        format!("blobs/sha256/{}", digest.trim_start_matches("sha256:")),
        index.clone(),
    ));
    members.push((
        "index.json".into(),
        format!(r#"{{"manifests": [{{"digest": "{digest}"}}]}}"#).into_bytes(),
    ));
    let read = read_tar(&members, &ImageReadOptions::default());
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    check_leaky(&read);
}

#[test]
fn long_name_in_the_outer_archive_is_refused() {
    let mut bytes = layer_tar(&[E::LongName(2 << 20)]);
    // Make it an image archive: the long name precedes a manifest.json.
    bytes.truncate(bytes.len() - 1024);
    bytes.extend(archive(&legacy_members(&leaky_image())));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("image.tar");
    std::fs::write(&p, &bytes).unwrap();
    let read = read_archive(&p, "image.tar".into(), &ImageReadOptions::default());
    assert!(read.images.is_empty());
    assert!(
        read.diagnostics
            .iter()
            .any(|d| d.message.contains("extension header")),
        "{:?}",
        read.diagnostics
    );
    // Ordinary archives still index through the guard (seeks over data).
    let read = read_tar(
        &oci_members(&[leaky_image()], false, true),
        &ImageReadOptions::default(),
    );
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
}
