"""Report formats: per-service JSON, combined Markdown and SARIF 2.1.0."""
