/// The frame every HTML page of the view shares: one self-contained file (inline CSS, SVG and a few lines of
/// script; nothing fetched, which the page's Content-Security-Policy also forbids), readable without the
/// script.
enum HTMLPage {
    static func document(title: String, body: String, script: String = "") -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
        <title>\(HTMLText.escape(title))</title>
        <style>\(style)</style>
        </head>
        <body>
        \(body)
        <footer>Made by ecl-workflows from OpenTelemetry data; this file fetches nothing.</footer>
        \(script.isEmpty ? "" : "<script>\n\(script)\n</script>")
        </body>
        </html>

        """
    }

    static let style = """
        :root { color-scheme: light; --ok: #2f855a; --step: #2b6cb0; --model: #805ad5; --db: #718096; --error: #c53030; --retried: #d69e2e; --grid: #e2e8f0; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1a202c; background: #fff; }
        h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
        .summary { margin: 0; color: #2d3748; } .sources { margin: 2px 0 0; color: #718096; font-size: 12px; }
        .chart { overflow-x: auto; border: 1px solid var(--grid); border-radius: 6px; padding: 6px 0; }
        svg text { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; fill: #1a202c; }
        svg .tick { stroke: var(--grid); } svg .ticklabel { fill: #718096; font-size: 11px; }
        svg .row:hover rect.back, svg .row:focus rect.back { fill: #edf2f7; } svg .row { outline: none; cursor: default; }
        svg .row:focus rect.back { stroke: #4299e1; }
        svg rect.back { fill: transparent; }
        svg rect.bar { fill: var(--ok); } svg .step rect.bar { fill: var(--step); } svg .model rect.bar { fill: var(--model); }
        svg .db rect.bar { fill: var(--db); } svg .retried rect.bar { fill: var(--retried); } svg .error rect.bar { fill: var(--error); }
        svg .error text.label, svg text.mark.failed { fill: var(--error); } svg text.mark { font-size: 11px; fill: #4a5568; }
        svg text.mark.retried { fill: #975a16; } svg text.dur { fill: #4a5568; }
        .detail { margin-top: 8px; padding: 8px 12px; border: 1px solid var(--grid); border-radius: 6px; background: #f7fafc; min-height: 40px; }
        .detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0 0; }
        .detail dt { color: #4a5568; font-family: ui-monospace, monospace; font-size: 12px; } .detail dd { margin: 0; font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
        .spans section { display: none; } .spans section:target { display: block; }
        table { border-collapse: collapse; font-size: 13px; } th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid var(--grid); vertical-align: top; }
        th { color: #4a5568; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        tr.failed td { color: var(--error); } .meter { display: inline-block; height: 10px; background: var(--model); border-radius: 2px; vertical-align: middle; }
        .levels { margin: 0 0 8px; } .levels label { margin-right: 14px; }
        .logs td { font-family: ui-monospace, monospace; font-size: 12px; } .logs .lv-warn td { color: #975a16; } .logs .lv-error td, .logs .lv-fatal td { color: var(--error); }
        .logs .lv-debug td, .logs .lv-trace td { color: #718096; }
        #lv-trace:not(:checked) ~ table .lv-trace, #lv-debug:not(:checked) ~ table .lv-debug, #lv-info:not(:checked) ~ table .lv-info,
        #lv-warn:not(:checked) ~ table .lv-warn, #lv-error:not(:checked) ~ table .lv-error, #lv-fatal:not(:checked) ~ table .lv-fatal { display: none; }
        .empty { color: #718096; } footer { margin-top: 32px; color: #a0aec0; font-size: 12px; }
        svg.chart-svg { border: 1px solid var(--grid); border-radius: 6px; } svg .axis { stroke: #a0aec0; } svg .col { fill: var(--step); } svg .col.fail { fill: var(--error); } svg .col.p95 { fill: #90cdf4; }
        .cards { display: flex; gap: 12px; flex-wrap: wrap; } .card { border: 1px solid var(--grid); border-radius: 6px; padding: 8px 14px; } .card b { display: block; font-size: 20px; }
        """

    /// The OTLP severity range a record's level falls in, as a class and a filter's name.
    static func levelClass(_ record: TraceLogRecord) -> String {
        switch record.severityNumber {
        case 1...4: "trace"
        case 5...8: "debug"
        case 13...16: "warn"
        case 17...20: "error"
        case 21...: "fatal"
        default: "info"
        }
    }

    static let levelClasses = ["trace", "debug", "info", "warn", "error", "fatal"]
}
