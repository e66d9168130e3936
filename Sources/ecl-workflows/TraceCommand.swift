import ArgumentParser
import ECLCore
@_spi(Pipeline) import ECLTelemetry
import ECLLogging
import Foundation
import JSONWriting
@_spi(Pipeline) import OTLPExporter
import TraceView

extension ECLWorkflows {
    /// `ecl-workflows trace <workflow-id>`: the workflow as a waterfall, from a dump, the spool or the store.
    struct Trace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw one workflow as a waterfall: its steps and tries, model calls and store operations on its timeline.",
            discussion: """
                Spans come from --from (a --jsonl-out dump, whose -logs file beside it is read too, or a spool directory), \
                else from the spool (ecl-otlp-spool/); when none holds the workflow's spans, its steps' tries come from the \
                store (--db, default ecl.db). Log lines (--logs, and the HTML page) come from the same files, else from the \
                log database (--log-sql, ECL_LOG_SQL_URL or ecl.toml). Retries (↻), failures (✗ with the error), revision \
                loops (↺) and tokens are marked. --html FILE also writes one self-contained page: the waterfall (hover or \
                focus a span for its attributes), the step tries, tokens by step and model, the log lines by level.
                """)

        @Argument(help: "The workflow's id (a UUID).")
        var workflowId: String

        @Option(name: .customLong("from"), help: "An OTLP JSONL file (a --jsonl-out dump) or a spool directory; may be given more than once. Default: ecl-otlp-spool/.")
        var from: [String] = []

        @Flag(help: "Draw the workflow's log lines under their spans, at their times.")
        var logs = false

        @Option(help: "How many columns to fit (40 to 1000; default: the terminal's width, else COLUMNS, else 100).")
        var width: String?

        @Option(help: "How the trace is printed: text (the waterfall) or json (the span tree).")
        var output: String?

        @Option(help: "Also write the trace as one self-contained HTML page to FILE.")
        var html: String?

        @OptionGroup var database: LogDatabaseOptions

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            guard let id = WorkflowId(workflowId), let traceId = DerivedSpanIDs.traceID(for: id) else {
                throw UsageError(option: "workflow-id", value: workflowId, expected: "a UUID such as 123e4567-e89b-42d3-a456-426614174000")
            }
            let resolved = try database.load(environment: environment)
            let format = try OutputFormat.parse(output, logging: resolved.config)
            let columns = try width.map { try RunPlan.integer($0, option: "--width", atLeast: 40, atMost: 1000) } ?? Self.terminalWidth(environment)
            // The page must not replace what the trace is read from.
            var inputs = [(storeOptions.db, "the store (--db)")] + from.flatMap { [($0, "an input (--from)"), (TelemetryOptions.logsPath(for: $0), "an input's logs file")] }
            if let url = resolved.config.sqlExporter?.databaseURL, url.hasPrefix("sqlite:") { inputs.append((String(url.dropFirst("sqlite:".count)), "the log database")) }
            let htmlPath = try HTMLPageFile.checked(html, inputs: inputs)
            if let htmlPath {
                // Nor go into a spool that is read: its segments are batches waiting to be delivered.
                let spools = from.isEmpty ? [TelemetryOptions.defaultSpoolDirectory] : from.filter { path in
                    var isDirectory: ObjCBool = false
                    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
                }
                try ExportOptions.refuseClash(
                    ExportOptions.folder(of: htmlPath), option: "--html", with: spools.map { ($0, "a spool directory that is read") }, inside: htmlPath)
            }
            HTMLPageFile.silenceLogging(resolved.config)
            var sources = TraceSources()
            try sources.readFiles(from, traceId: traceId)
            try await sources.readStore(path: storeOptions.db, named: storeOptions.db != StoreOptions.defaultPath, id: id)
            if let sql = resolved.config.sqlExporter {
                try sources.readLogDatabase(
                    url: sql.databaseURL, source: resolved.sqlURLSource, id: id, environment: environment, needed: logs || htmlPath != nil)
            }
            for (path, count) in sources.unreadable {
                Console.warning("\(path): \(count) line\(count == 1 ? " was" : "s were") not OTLP JSON and were passed over")
            }
            guard !sources.spans.isEmpty else {
                throw UsageError("trace: workflow \(id) is in none of \(sources.searched.joined(separator: ", ")); expected a dump or spool that holds its spans (--from FILE) or the store its run used (--db PATH)")
            }
            let tree = TraceTree(spans: sources.spans, logs: sources.logs)
            if logs, tree.logCount == 0 {
                Console.warning("no log lines of workflow \(id) in \(sources.searched.joined(separator: ", ")) (a dump's -logs file, the spool, or the log database: --log-sql)")
            }
            let title = Self.title(id: id, record: sources.record, tree: tree)
            switch format {
            case .json:
                Console.out(VisibleText.escapingJSON(TraceTreeDocument(tree, title: title, sources: sources.used, logs: logs).json()))
            case .text:
                let colors = isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
                let waterfall = TerminalWaterfall(width: columns, colors: colors, logs: logs)
                Console.out(String(waterfall.render(tree, title: title).dropLast()))
                Console.out(waterfall.fitted("From " + sources.used.joined(separator: "; ") + "."))
                if sources.fromStoreOnly {
                    Console.out(waterfall.fitted("Every span (model calls, store operations) is in a dump or the spool: run with --jsonl-out FILE, then trace --from FILE."))
                }
            }
            if let htmlPath {
                try HTMLPageFile.write(HTMLTracePage().render(tree, title: title, sources: sources.used), to: htmlPath, holding: "the trace", format: format)
            }
        }

        /// `workflow critique-revise 1b4e…: completed`, or the root span's name and the trace id.
        static func title(id: WorkflowId, record: WorkflowRecord?, tree: TraceTree) -> String {
            if let record {
                var title = "workflow \(record.definition) \(id): \(record.state.rawValue)"
                if let error = record.error, record.state != .completed { title += " (\(error))" }
                return title
            }
            let root = tree.roots.first.map { TraceText.label($0.span, $0.facts) } ?? "trace"
            return "\(root) \(id)"
        }

        /// The terminal's columns (standard output's), else `COLUMNS`, else 100.
        static func terminalWidth(_ environment: [String: String]) -> Int {
            // A terminal narrower than 40 columns gets 40 (the narrowest drawing), one wider than 1000 gets 1000.
            var size = winsize()
            if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
                return min(max(Int(size.ws_col), 40), 1000)
            }
            if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { return min(max(columns, 40), 1000) }
            return 100
        }
    }
}
