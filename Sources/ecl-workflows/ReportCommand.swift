import ArgumentParser
import ECLCore
import Foundation
import JSONWriting
import ECLLogging
@_spi(Pipeline) import OTLPExporter
import TraceView

extension ECLWorkflows {
    /// `ecl-workflows report`: many runs at once, from the store: outcomes, throughput, step durations,
    /// retries and failures, tokens by model; as text, and with `--html FILE` as a page of charts.
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sum up many workflow runs from the store: outcomes, throughput, p50/p95 step durations, retries and failures by step, tokens by model.",
            discussion: """
                The runs are those of one command run (--run ID, as a --count run's summary names it) or the newest \
                (--last N, default 50). --html FILE also writes them as one self-contained page of charts.
                """)

        @Option(help: "The command run whose workflows to report (its id, from the run's summary).")
        var run: String?

        @Option(parsing: .unconditional, help: "How many of the newest runs to report when --run is not given (1 to 100000).")
        var last: String?

        @Option(help: "Also write the report as one self-contained HTML page to FILE.")
        var html: String?

        @Option(help: "How the report is printed: text or json.")
        var output: String?

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            if run != nil, last != nil { throw UsageError("report: --run and --last choose the runs two ways; give one") }
            let limit = try last.map { try RunPlan.integer($0, option: "--last", atLeast: 1, atMost: 100_000) } ?? 50
            if let run, UUID(uuidString: run) == nil {
                throw UsageError(option: "--run", value: run, expected: "a run id (a UUID) as a run's summary names it")
            }
            let format = try OutputFormat.parse(output, logging: .default)
            let path = storeOptions.db
            guard path != ":memory:", FileManager.default.fileExists(atPath: path) else {
                throw UsageError(option: "--db", value: path, expected: "a store written by a run (no such file)")
            }
            let htmlPath = try HTMLPageFile.checked(html, inputs: [(path, "the store (--db)")])
            HTMLPageFile.silenceLogging()
            let store = try storeOptions.open(readOnly: true)
            var traces: [TraceTree] = []
            do {
                let records: [WorkflowRecord]
                if let run { records = try await store.workflows(runId: run.lowercased()) } else { records = try await store.workflows(limit: limit) }
                let tries = try await store.stepExecutions(ofAll: records.map(\.id))
                traces = records.map { TraceTree(spans: StoreTrace.spans(record: $0, steps: tries[$0.id] ?? [])) }
            } catch {
                throw UsageError("--db: \(error)")
            }
            guard !traces.isEmpty else {
                throw UsageError(run.map { "report: run \($0) has no workflows in \(path)" } ?? "report: \(path) holds no workflows")
            }
            let title = run.map { "Run \($0): \(traces.count) workflows" } ?? "The \(traces.count) newest workflows in \(path)"
            let steps = HTMLRunsReport.steps(traces)
            let figures = HTMLRunsReport.Figures(traces)
            switch format {
            case .json:
                let json = try JSONEncoder().encode(ReportJSON(workflows: traces.count, figures: figures, steps: steps))
                Console.out(VisibleText.escapingJSON(String(decoding: json, as: UTF8.self)))
            case .text:
                Console.out(VisibleText.escape(title))
                Console.out(figures.states.sorted { $0.key < $1.key }.map { "\($0.value) \(VisibleText.escape($0.key))" }.joined(separator: ", ")
                    + String(format: "; %.1f workflows/s over %@", figures.throughput, TraceText.duration(nanos: figures.windowNanos)))
                for step in steps {
                    Console.out("  \(VisibleText.escape(step.name)): \(step.tries) tries, \(step.retried) retried, \(step.failed) failed; p50 \(TraceText.duration(nanos: step.p50Nanos)), p95 \(TraceText.duration(nanos: step.p95Nanos))")
                }
                for (model, tokens) in figures.tokensByModel {
                    Console.out("  \(VisibleText.escape(model)): \(TraceText.count(tokens)) tokens")
                }
            }
            if let htmlPath {
                try HTMLPageFile.write(
                    HTMLRunsReport().render(traces, title: title, sources: ["\(path) (the store)"]), to: htmlPath, holding: "the report", format: format)
            }
        }
    }
}

/// The report as one JSON line: outcomes, throughput, each step's figures, tokens by model.
private struct ReportJSON: Encodable {
    let workflows: Int
    let states: [String: Int]
    let throughput: Double
    let window_seconds: Double
    let steps: [Step]
    let tokens_by_model: [String: Int]

    struct Step: Encodable {
        let name: String
        let tries: Int
        let retried: Int
        let failed: Int
        let p50_ms: Double
        let p95_ms: Double
    }

    init(workflows: Int, figures: HTMLRunsReport.Figures, steps: [HTMLRunsReport.StepFigures]) {
        self.workflows = workflows
        states = figures.states
        throughput = (figures.throughput * 10).rounded() / 10
        window_seconds = (Double(figures.windowNanos) / 1e6).rounded() / 1000
        tokens_by_model = Dictionary(figures.tokensByModel.map { ($0.model, $0.tokens) }, uniquingKeysWith: { $0 + $1 })
        self.steps = steps.map {
            Step(name: $0.name, tries: $0.tries, retried: $0.retried, failed: $0.failed,
                 p50_ms: (Double($0.p50Nanos) / 1000).rounded() / 1000, p95_ms: (Double($0.p95Nanos) / 1000).rounded() / 1000)
        }
    }
}
