import ArgumentParser
import ECLCore
import ECLLogging
import Foundation
import Logging
import Synchronization

extension ECLWorkflows {
    /// `ecl-workflows run`: runs one or more workflows.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a workflow (critique-revise by default), once or many times.")

        @Argument(help: "The workflow: simple or critique-revise.")
        var workflow: String = ToyWorkflow.critiqueRevise.rawValue

        @Option(help: "What to write about (1 to \(TopicInput.maxLength) characters).")
        var topic: String = "why structured, correlated logs matter for LLM pipelines"

        @Option(name: .customLong("workflow-id"), help: "The run's id (a UUID); random when not given.")
        var workflowId: String?

        @Option(parsing: .unconditional, help: "How many workflows to run.")
        var count: String = "1"

        @Option(parsing: .unconditional, help: "How many workflows run at once.")
        var concurrency: String = "4"

        @Option(help: "The model: offline (deterministic, no network) or claude (needs ANTHROPIC_API_KEY).")
        var llm: String = "offline"

        @Option(help: "Claude's model (default: ANTHROPIC_MODEL, else \(ClaudeProvider.Configuration.defaultModel)).")
        var model: String?

        @Option(name: .customLong("llm-fault-rate"), parsing: .unconditional, help: "The offline model's share of calls that fail transiently, 0 to 1.")
        var faultRate: String = "0"

        @Option(parsing: .unconditional, help: "The seed of the offline model's injected faults.")
        var seed: String = "0"

        @Option(name: .customLong("offline-revisions"), parsing: .unconditional, help: "Revisions the offline critic asks for before it passes a draft.")
        var offlineRevisions: String = "1"

        @Option(name: .customLong("max-revisions"), parsing: .unconditional, help: "The most revisions critique-revise makes.")
        var maxRevisions: String = "\(ToyWorkflow.defaultMaxRevisions)"

        @Option(help: "How results are printed: text or json (default: json when the log format is json, else text).")
        var output: String?

        @OptionGroup var loggingOptions: LoggingOptions

        @OptionGroup var exportOptions: ExportOptions

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "No progress line on a terminal.")
        var quiet = false

        func run() async throws {
            let (logging, results) = try TelemetrySetup.start(
                logging: loggingOptions, export: exportOptions, output: output, store: storeOptions.db)
            let plan = try RunPlan(self, results: results, environment: ProcessInfo.processInfo.environment)
            let store = try storeOptions.open()
            try plan.refuseTakenId(in: store)
            // Once every option is accepted: a usage error stays one line.
            Logger(label: "ecl-workflows").info("Logging initialized", metadata: [
                LogField.logLevel: .string(logging.level.rawValue), LogField.logFormat: .string(logging.format.rawValue),
            ])
            let executor = StepExecutor(llm: plan.llm, store: store)
            let interruption = Interruption.shared
            let orchestrator = WorkflowOrchestrator(executor: executor, stopReason: { interruption.reason }, runId: RunIdentity.id)
            let definition = plan.workflow.definition(maxRevisions: plan.maxRevisions)
            let tracker = RunTracker(total: plan.count, metrics: TelemetrySetup.metrics())
            interruption.begin { reason in
                // Exiting at once: the running workflows will not record their end themselves.
                let (running, totals) = tracker.snapshot()
                _ = try? store.markCancelled(running, reason: reason, at: Date())
                executor.metrics.workflowsAbandoned(definition.name, count: running.count)
                Console.warning(
                    "stopped at once: \(totals.completed) completed, \(totals.failed) failed, \(totals.cancelled + running.count) cancelled, \(totals.notStarted) not started")
            }
            let printer = ResultPrinter(format: plan.output)
            let progress = plan.count > 1 && !quiet ? ProgressLine.start(tracker: tracker, telemetry: { TelemetrySetup.spanCounters() }) : nil
            var single: WorkflowResult?
            try await plan.runAll(orchestrator: orchestrator, definition: definition, interruption: interruption, tracker: tracker) { result in
                if plan.count == 1 { single = result } else { printer.print(result) }
            }
            progress?.stop()
            interruption.end()
            store.close()
            if let single { printer.printDetail(single, database: store.path) }
            // The summary comes once telemetry is delivered or spooled, so it can say where everything went;
            // the workflows' time is taken before (a slow collector does not make the run look slower).
            let workflowsSeconds = tracker.totals().wallSeconds
            let finishing = ContinuousClock.now
            TelemetrySetup.finish()
            var totals = tracker.totals()
            totals.wallSeconds = workflowsSeconds
            let finished = finishing.duration(to: .now)
            totals.finishSeconds = Double(finished.components.seconds) + Double(finished.components.attoseconds) / 1e18
            var outputs = TelemetrySetup.written(store: store.path)
            if store.path != ":memory:" { outputs.run_id = RunIdentity.id }
            printer.printSummary(totals, outputs: outputs, single: plan.count == 1, store: store.path)
            if let code = interruption.exitCode { throw ExitCode(code) }
            if totals.completed < plan.count { throw ExitCode(1) }
        }
    }
}

/// The run command's options, checked and converted; every bad value is a one-line ``UsageError``.
struct RunPlan {
    let workflow: ToyWorkflow
    let input: TopicInput
    /// How many workflows to run.
    let count: Int
    /// The id given with `--workflow-id` (the first workflow's); the others get random ids as they start.
    let givenId: WorkflowId?
    let concurrency: Int
    let llm: any LLMProvider
    let maxRevisions: Int
    let output: OutputFormat

    init(_ options: ECLWorkflows.Run, results: OutputFormat, environment: [String: String]) throws {
        guard let workflow = ToyWorkflow(rawValue: options.workflow) else {
            throw UsageError(
                option: "workflow", value: options.workflow,
                expected: ToyWorkflow.allCases.map(\.rawValue).joined(separator: " or "))
        }
        self.workflow = workflow
        input = TopicInput(topic: options.topic)
        if case .validation(_, let message)? = input.validate() {
            let shown = options.topic.count > 40 ? String(options.topic.prefix(40)) + "…" : options.topic
            throw UsageError("--topic: '\(shown)' \(message); expected 1 to \(TopicInput.maxLength) characters")
        }
        count = try Self.integer(options.count, option: "--count", atLeast: 1)
        concurrency = try Self.integer(options.concurrency, option: "--concurrency", atLeast: 1, atMost: Self.maxConcurrency)
        maxRevisions = try Self.integer(options.maxRevisions, option: "--max-revisions", atLeast: 0)
        output = results
        if let text = options.workflowId {
            guard let id = WorkflowId(text) else {
                throw UsageError(
                    option: "--workflow-id", value: text, expected: "a UUID such as 123e4567-e89b-42d3-a456-426614174000")
            }
            givenId = id
        } else {
            givenId = nil
        }

        switch options.llm {
        case "offline":
            guard let rate = Double(options.faultRate), rate >= 0, rate <= 1 else {
                throw UsageError(option: "--llm-fault-rate", value: options.faultRate, expected: "a number from 0 to 1")
            }
            guard let seed = UInt64(options.seed) else {
                throw UsageError(option: "--seed", value: options.seed, expected: "a whole number from 0 to \(UInt64.max)")
            }
            let revisions = try Self.integer(options.offlineRevisions, option: "--offline-revisions", atLeast: 0)
            llm = OfflineLLMProvider(options: .init(revisionsBeforePass: revisions, faultRate: rate, seed: seed))
        case "claude":
            do {
                llm = ClaudeProvider(configuration: try .fromEnvironment(environment, model: options.model))
            } catch {
                throw UsageError(error.plainMessage)
            }
        default:
            throw UsageError(option: "--llm", value: options.llm, expected: "offline or claude")
        }
    }

    /// Refuses a `--workflow-id` the store already holds, before anything runs: the earlier record stays as it is.
    func refuseTakenId(in store: SQLiteWorkflowStore) throws {
        guard let id = givenId else { return }
        let earlier: WorkflowRecord?
        do { earlier = try store.recordedWorkflow(id) } catch { throw UsageError("--db: \(error.plainMessage)") }
        guard let earlier else { return }
        throw UsageError(
            "--workflow-id: \(id) is already recorded in '\(store.path)' (\(earlier.definition), \(earlier.state.rawValue), "
                + "started \(UTCTimestamp.format(earlier.createdAt))); give an id not used before, or none for a random one")
    }

    /// The most workflows that run at once: each holds its tasks, buffers and a connection.
    static let maxConcurrency = 10_000

    static func integer(_ text: String, option: String, atLeast minimum: Int, atMost maximum: Int? = nil) throws -> Int {
        guard let value = Int(text), value >= minimum, value <= maximum ?? Int.max else {
            let expected = maximum.map { "a whole number from \(minimum) to \($0)" } ?? "a whole number of \(minimum) or more"
            throw UsageError(option: option, value: text, expected: expected)
        }
        return value
    }

    /// Runs the workflows, at most ``concurrency`` at once, each id made as its workflow starts, and hands each
    /// result to `emit` in start order as soon as it and those before it have ended; memory stays flat for any
    /// count (a slow workflow holds back at most a window of results, then new ones wait for it). After the first signal no workflow starts, and those running are cancelled once
    /// ``Interruption/gracePeriod`` has passed. Each run carries its position in
    /// ``LLMCallOrigin/workflowOrdinal``, so seeded faults repeat exactly. A definition that fails validation
    /// is a configuration error.
    func runAll(
        orchestrator: WorkflowOrchestrator, definition: WorkflowDefinition<TopicInput>, interruption: Interruption,
        tracker: RunTracker, emit: (WorkflowResult) -> Void
    ) async throws {
        do { _ = try definition.validate() } catch { throw UsageError("workflow '\(definition.name)' is invalid: \(error)") }
        enum Event: Sendable {
            case finished(Int, WorkflowId, WorkflowResult?)
            case interrupted
            case graceOver
        }
        let input = self.input
        await withTaskGroup(of: Event.self) { group in
            group.addTask {
                await interruption.waitForSignal()
                return .interrupted
            }
            // Results that ended before an earlier one, held until it ends; no workflow starts more than `window`
            // places ahead of the oldest unprinted one, so a slow workflow holds back a bounded number of results.
            var waiting: [Int: WorkflowResult?] = [:]
            let window = max(concurrency * 16, 1024)
            var nextToEmit = 0
            var next = 0
            var running = 0
            var stopping = false
            func launch() {
                let index = next
                let id = index == 0 ? givenId ?? WorkflowId() : WorkflowId()
                next += 1
                running += 1
                tracker.started(id)
                group.addTask {
                    // Validated above, so run cannot reject the definition.
                    let result = await LLMCallOrigin.$workflowOrdinal.withValue(index) {
                        try? await orchestrator.run(definition, input: input, workflowId: id)
                    }
                    return .finished(index, id, result)
                }
            }
            while next < min(concurrency, count) { launch() }
            while running > 0, let event = await group.next() {
                switch event {
                case .finished(let index, let id, let result):
                    running -= 1
                    tracker.finished(id, result: result)
                    waiting[index] = .some(result)
                    while let ended = waiting.removeValue(forKey: nextToEmit) {
                        if let ended { emit(ended) }
                        nextToEmit += 1
                    }
                    while !stopping, running < concurrency, next < count, next - nextToEmit < window { launch() }
                case .interrupted:
                    guard interruption.signal != nil, !stopping else { break }
                    stopping = true
                    group.addTask {
                        try? await Task.sleep(for: .seconds(Interruption.gracePeriod))
                        return .graceOver
                    }
                case .graceOver:
                    group.cancelAll()
                }
            }
            group.cancelAll()
        }
    }
}
