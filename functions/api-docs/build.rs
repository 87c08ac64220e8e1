//! Makes the two documents this function serves from openapi.yaml and the vendored renderer:
//! the specification as JSON, and the reference page with the renderer, its stylesheet and its
//! start-up script inlined (the page is one of only two routes without a token, so it loads
//! nothing but the specification, from its own origin). Each is stored plain and gzipped, with
//! its entity tag, and the page's `Content-Security-Policy` names the exact scripts and
//! stylesheet it holds by their hashes.

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

#[path = "src/inline.rs"]
mod inline;
use inline::Element;

const RENDERER: &str = "vendor/swagger-ui-dist";

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let spec_path = manifest.join("../../openapi.yaml");
    let renderer = manifest.join(RENDERER);
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed={}", renderer.display());

    verify_renderer(&renderer);
    let spec = served_spec(&read(&spec_path));
    let spec_json = serde_json::to_string(&spec).expect("a YAML document is JSON");

    let css = read(&renderer.join("swagger-ui.css"));
    let bundle = read(&renderer.join("swagger-ui-bundle.js"));
    let start = START_SCRIPT.trim();
    for (name, element, content) in [
        ("swagger-ui.css", Element::Style, css.as_str()),
        ("swagger-ui-bundle.js", Element::Script, bundle.as_str()),
        ("the start script", Element::Script, start),
    ] {
        if let Some(hazard) = inline::closing_hazard(element, content) {
            panic!("{name} cannot be inlined: {hazard}");
        }
    }
    let title = spec["info"]["title"].as_str().unwrap_or("API");
    let version = spec["info"]["version"].as_str().unwrap_or("");
    // The icon is empty: a browser would otherwise ask for /favicon.ico, a route this API does
    // not have.
    let page = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} {version}: reference</title>\n\
         <link rel=\"icon\" href=\"data:,\">\n<style>{css}</style>\n</head>\n<body>\n\
         <div id=\"swagger-ui\"></div>\n<script>{bundle}</script>\n<script>{start}</script>\n\
         </body>\n</html>\n",
        title = escape_html(title),
        version = escape_html(version),
    );
    let policy = [
        "default-src 'none'".to_owned(),
        format!("script-src {} {}", hash(&bundle), hash(start)),
        format!("style-src {}", hash(&css)),
        // The stylesheet's icons are data: URLs.
        "img-src 'self' data:".to_owned(),
        // The specification, and "Try it out" against this same deployment.
        "connect-src 'self'".to_owned(),
        "base-uri 'none'".to_owned(),
        "form-action 'none'".to_owned(),
        "frame-ancestors 'none'".to_owned(),
    ]
    .join("; ");

    let mut generated = String::new();
    generated.push_str(&document(
        &out,
        "PAGE",
        "docs.html",
        "text/html; charset=utf-8",
        page.as_bytes(),
    ));
    generated.push_str(&document(
        &out,
        "SPEC",
        "openapi.json",
        "application/json",
        spec_json.as_bytes(),
    ));
    writeln!(generated, "/// The page's policy: its own scripts and stylesheet, by hash; the specification from its own origin.").ok();
    writeln!(
        generated,
        "pub const CONTENT_SECURITY_POLICY: &str = {policy:?};"
    )
    .ok();
    std::fs::write(out.join("documents.rs"), generated).expect("OUT_DIR is writable");
}

/// Swagger UI's start: the specification from beside the page (`openapi.json` resolves against
/// `/docs`, under any stage or base path), and no call to the public validator (another origin).
const START_SCRIPT: &str = r##"
window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
"##;

/// openapi.yaml as served: the same contract in the same order (a YAML mapping keeps it, where
/// a `serde_json::Value` would sort every key), except that its one server (`make dev`'s
/// address) becomes the deployment the document is served from.
fn served_spec(yaml: &str) -> serde_yaml::Value {
    let mut spec: serde_yaml::Value = serde_yaml::from_str(yaml).expect("openapi.yaml is YAML");
    let servers: serde_yaml::Value = serde_yaml::from_str(
        "[{url: '.', description: 'This deployment: the origin (and base path) this document is served from'}]",
    )
    .expect("a literal");
    match spec.as_mapping_mut() {
        Some(root) => root.insert("servers".into(), servers),
        None => panic!("openapi.yaml is not a mapping"),
    };
    spec
}

/// Checks every vendored file against the SHA-256 recorded when it was downloaded and checked
/// against the registry's integrity (tools/vendor-docs-renderer): an accidental edit never
/// ships. A file changed together with its record is caught by `make docs`, which compares both
/// with the registry's tarball (`tools/vendor-docs-renderer --upstream`).
fn verify_renderer(dir: &Path) {
    let record: Value =
        serde_json::from_str(&read(&dir.join("VENDORED.json"))).expect("VENDORED.json is JSON");
    let files = record["sha256"]
        .as_object()
        .expect("VENDORED.json has sha256");
    for inlined in ["swagger-ui.css", "swagger-ui-bundle.js"] {
        assert!(
            files.contains_key(inlined),
            "VENDORED.json lists no {inlined}"
        );
    }
    for (name, expected) in files {
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let actual: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            Some(actual.as_str()),
            expected.as_str(),
            "{RENDERER}/{name} differs from what tools/vendor-docs-renderer downloaded"
        );
    }
}

/// Writes `bytes` and its gzip beside the generated code, and the `BuiltDocument` that
/// includes both.
fn document(out: &Path, name: &str, file: &str, media_type: &str, bytes: &[u8]) -> String {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("in memory");
    let gzip = encoder.finish().expect("in memory");
    std::fs::write(out.join(file), bytes).expect("OUT_DIR is writable");
    std::fs::write(out.join(format!("{file}.gz")), &gzip).expect("OUT_DIR is writable");
    format!(
        "pub const {name}: shared::http::BuiltDocument = shared::http::BuiltDocument {{\n    \
         media_type: {media_type:?},\n    \
         plain: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{file}\")),\n    \
         plain_etag: {plain_etag:?},\n    \
         gzip: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{file}.gz\")),\n    \
         gzip_etag: {gzip_etag:?},\n}};\n",
        plain_etag = etag(bytes),
        gzip_etag = etag(&gzip),
    )
}

fn etag(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("\"{hex}\"")
}

/// A CSP source for an inline element with exactly this content.
fn hash(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
