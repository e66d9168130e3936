import CoreMetrics

/// The engine's metrics, counted through swift-metrics into whatever backend the process installed
/// (`MetricsSystem.bootstrap`; none: nothing is kept). Names follow OpenTelemetry's conventions (the GenAI and
/// database ones where they exist); a Prometheus exporter adds `_total` and `_seconds`.
///
/// | name | type | dimensions |
/// | --- | --- | --- |
/// | `ecl.workflows.started`, `.completed`, `.failed`, `.cancelled` | counter | `ecl.workflow.name` |
/// | `ecl.workflow.duration` | timer (s) | `ecl.workflow.name`, `ecl.workflow.outcome` |
/// | `ecl.workflow.revisions` | histogram | `ecl.workflow.name` |
/// | `ecl.step.duration` | timer (s), one a step execution (all its tries) | `ecl.workflow.name`, `ecl.step.id`, `ecl.step.outcome` |
/// | `ecl.step.retries` | counter | `ecl.workflow.name`, `ecl.step.id`, `error.type` |
/// | `gen_ai.client.token.usage` | histogram ({token}) | `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.token.type` |
/// | `gen_ai.client.operation.duration` | timer (s) | the same but the token type, and `error.type` when the call failed |
/// | `db.client.operation.duration` | timer (s) | `db.system.name`, `db.operation.name`, `db.collection.name`, `error.type` when it failed |
public struct EngineMetrics: Sendable {
    /// The metric names.
    public enum Name {
        public static let workflowsStarted = "ecl.workflows.started"
        public static let workflowsCompleted = "ecl.workflows.completed"
        public static let workflowsFailed = "ecl.workflows.failed"
        public static let workflowsCancelled = "ecl.workflows.cancelled"
        public static let workflowDuration = "ecl.workflow.duration"
        public static let workflowRevisions = "ecl.workflow.revisions"
        public static let stepDuration = "ecl.step.duration"
        public static let stepRetries = "ecl.step.retries"
        public static let tokenUsage = "gen_ai.client.token.usage"
        public static let modelCallDuration = "gen_ai.client.operation.duration"
        public static let storeOperationDuration = "db.client.operation.duration"
    }

    /// The dimension names.
    public enum Dimension {
        public static let workflowName = "ecl.workflow.name"
        public static let workflowOutcome = "ecl.workflow.outcome"
        public static let stepId = "ecl.step.id"
        public static let stepOutcome = "ecl.step.outcome"
        public static let errorType = "error.type"
        public static let operationName = "gen_ai.operation.name"
        public static let providerName = "gen_ai.provider.name"
        public static let requestModel = "gen_ai.request.model"
        public static let tokenType = "gen_ai.token.type"
        public static let dbSystemName = "db.system.name"
        public static let dbOperationName = "db.operation.name"
        public static let dbCollectionName = "db.collection.name"
    }

    /// One metric's unit (UCUM), description, and histogram bounds where the conventions advise them.
    public struct Description: Sendable {
        /// The unit, such as `s` or `{token}`.
        public var unit: String
        /// What it measures.
        public var description: String
        /// A histogram's advised bucket bounds; nil for the backend's defaults.
        public var bounds: [Double]?
    }

    /// What each metric is: for backends that take units, descriptions and bounds (OTLP, Prometheus help text).
    public static let descriptions: [String: Description] = [
        Name.workflowsStarted: Description(unit: "{workflow}", description: "Workflow runs started."),
        Name.workflowsCompleted: Description(unit: "{workflow}", description: "Workflow runs that completed."),
        Name.workflowsFailed: Description(unit: "{workflow}", description: "Workflow runs that failed."),
        Name.workflowsCancelled: Description(unit: "{workflow}", description: "Workflow runs stopped before they ended."),
        Name.workflowDuration: Description(
            unit: "s", description: "How long workflow runs took.",
            bounds: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]),
        Name.workflowRevisions: Description(
            unit: "{revision}", description: "Revisions each workflow run made.", bounds: [0, 1, 2, 3, 4, 5, 10]),
        Name.stepDuration: Description(
            unit: "s", description: "How long step executions took, their tries and waits included.",
            bounds: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]),
        Name.stepRetries: Description(unit: "{retry}", description: "Step tries made again after a failure."),
        // The OpenTelemetry GenAI conventions' advised bounds.
        Name.tokenUsage: Description(
            unit: "{token}", description: "Tokens used by model calls.",
            bounds: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]),
        Name.modelCallDuration: Description(
            unit: "s", description: "How long model calls took.",
            bounds: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]),
        Name.storeOperationDuration: Description(
            unit: "s", description: "How long store operations took.",
            bounds: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]),
    ]

    /// The backend the metrics go to.
    public let factory: any MetricsFactory

    /// Metrics through `factory`: by default the process's (or the current task's, `withMetricsFactory`),
    /// as it is when this is made.
    public init(factory: any MetricsFactory = MetricsSystem.factory) { self.factory = factory }

    /// A workflow run started.
    public func workflowStarted(_ name: String) {
        CoreMetrics.Counter(label: Name.workflowsStarted, dimensions: [(Dimension.workflowName, name)], factory: factory).increment()
    }

    /// A workflow run ended: its outcome's counter, its duration and its revisions.
    public func workflowEnded(_ name: String, state: WorkflowState, durationSeconds: Double, revisions: Int) {
        let counter = switch state {
        case .completed: Name.workflowsCompleted
        case .cancelled: Name.workflowsCancelled
        case .failed, .running: Name.workflowsFailed
        }
        let workflow = [(Dimension.workflowName, name)]
        CoreMetrics.Counter(label: counter, dimensions: workflow, factory: factory).increment()
        CoreMetrics.Timer(label: Name.workflowDuration, dimensions: workflow + [(Dimension.workflowOutcome, state.rawValue)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(durationSeconds))
        CoreMetrics.Recorder(label: Name.workflowRevisions, dimensions: workflow, factory: factory).record(revisions)
    }

    /// Workflow runs stopped at once (the process is exiting), before they could end themselves: counted
    /// cancelled, with no duration (they have none).
    public func workflowsAbandoned(_ name: String, count: Int) {
        guard count > 0 else { return }
        CoreMetrics.Counter(label: Name.workflowsCancelled, dimensions: [(Dimension.workflowName, name)], factory: factory)
            .increment(by: count)
    }

    /// A step execution ended (after all its tries).
    public func stepEnded(workflow: String?, step: StepId, state: StepExecutionState, durationSeconds: Double) {
        CoreMetrics.Timer(
            label: Name.stepDuration,
            dimensions: Self.workflow(workflow) + [(Dimension.stepId, step.rawValue), (Dimension.stepOutcome, state.rawValue)],
            factory: factory
        ).recordNanoseconds(Self.nanoseconds(durationSeconds))
    }

    /// A step is tried again after `error`.
    public func stepRetried(workflow: String?, step: StepId, error: ECLError) {
        CoreMetrics.Counter(
            label: Name.stepRetries,
            dimensions: Self.workflow(workflow) + [(Dimension.stepId, step.rawValue), (Dimension.errorType, Self.errorType(error))],
            factory: factory
        ).increment()
    }

    /// A model call ended: its duration, and its tokens when it answered.
    public func modelCall(provider: String, model: String, durationSeconds: Double, usage: TokenUsage?, error: ECLError?) {
        let call = [(Dimension.operationName, "chat"), (Dimension.providerName, provider), (Dimension.requestModel, model)]
        CoreMetrics.Timer(label: Name.modelCallDuration, dimensions: call + (error.map { [(Dimension.errorType, Self.errorType($0))] } ?? []), factory: factory)
            .recordNanoseconds(Self.nanoseconds(durationSeconds))
        guard let usage else { return }
        CoreMetrics.Recorder(label: Name.tokenUsage, dimensions: call + [(Dimension.tokenType, "input")], factory: factory).record(usage.input)
        CoreMetrics.Recorder(label: Name.tokenUsage, dimensions: call + [(Dimension.tokenType, "output")], factory: factory).record(usage.output)
    }

    /// A store operation ended.
    public func storeOperation(system: String, operation: String, table: String, durationSeconds: Double, error: ECLError?) {
        var dimensions = [(Dimension.dbSystemName, system), (Dimension.dbOperationName, operation), (Dimension.dbCollectionName, table)]
        if let error { dimensions.append((Dimension.errorType, Self.errorType(error))) }
        CoreMetrics.Timer(label: Name.storeOperationDuration, dimensions: dimensions, factory: factory).recordNanoseconds(Self.nanoseconds(durationSeconds))
    }

    /// `error.type`: the HTTP status of a model call that had one, else the error's kind (`timeout`, `io`…).
    static func errorType(_ error: ECLError) -> String {
        if case .llm(_, let status?) = error { return String(status) }
        return error.kind
    }

    private static func workflow(_ name: String?) -> [(String, String)] { name.map { [(Dimension.workflowName, $0)] } ?? [] }

    private static func nanoseconds(_ seconds: Double) -> Int64 { Int64((max(0, seconds) * 1e9).rounded()) }
}
