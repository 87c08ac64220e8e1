//! The production log format: one JSON object per line on stdout, where Lambda hands it to
//! CloudWatch as it is.

/// `RUST_LOG` filters; the default keeps our lines and the SDK's and runtime's warnings (their debug output can include payloads).
pub fn json_subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "info,aws_smithy_runtime=warn,aws_config=warn,lambda_runtime=warn,hyper=warn",
        )
    });
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
}

/// Installs [`json_subscriber`] on stdout for the whole process.
pub fn init_tracing() {
    // Another subscriber may already be set (tests); keeping it is right.
    let _ = tracing::subscriber::set_global_default(json_subscriber(std::io::stdout));
}
