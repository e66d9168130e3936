import Logging
import ServiceContextModule

/// The ids that tie a log line or span to its workflow and step, carried in the task's `ServiceContext`.
public struct Correlation: Sendable, Equatable {
    /// The run.
    public var workflowId: WorkflowId
    /// The workflow's name, when known.
    public var workflowName: String?
    /// The step, inside a step.
    public var stepId: StepId?
    /// The step's readable name, inside a step.
    public var stepName: String?
    /// The try, from 1, inside a step.
    public var attempt: Int?
    /// How many times the step ran before in this run, inside a step.
    public var executionIndex: Int?
    /// The name of the span this correlation was made for (`workflow <name>`, `step <id>`): lets a tracer tell
    /// the workflow's and steps' own spans from others started in the same context.
    public var spanName: String?

    /// Creates a correlation for a workflow.
    public init(workflowId: WorkflowId, workflowName: String? = nil) {
        self.workflowId = workflowId
        self.workflowName = workflowName
    }

    /// The correlation of the current task, if any.
    public static var current: Correlation? { ServiceContext.current?.eclCorrelation }

    /// A swift-log metadata provider that adds `workflow_id`, `workflow_name`, `step_id`, `step_name` and
    /// `attempt` from the current task's context to every line. Install it with the logging backend.
    /// The fields are built once, when a span builder sets the correlation, not on every line.
    public static let metadataProvider = Logger.MetadataProvider {
        ServiceContext.current?[CorrelationMetadataKey.self] ?? [:]
    }

    /// The correlation as log fields.
    public var metadata: Logger.Metadata {
        var fields: Logger.Metadata = [LogField.workflowId: .string(workflowId.description)]
        if let workflowName { fields[LogField.workflowName] = .string(workflowName) }
        if let stepId { fields[LogField.stepId] = .string(stepId.rawValue) }
        if let stepName { fields[LogField.stepName] = .string(stepName) }
        if let attempt { fields[LogField.attempt] = .stringConvertible(attempt) }
        return fields
    }
}

/// The `ServiceContext` key of ``Correlation``.
enum CorrelationKey: ServiceContextKey {
    typealias Value = Correlation
    static var nameOverride: String? { "ecl.correlation" }
}

/// The `ServiceContext` key of the correlation's log fields, kept beside it so that each log line reads them
/// ready-made.
enum CorrelationMetadataKey: ServiceContextKey {
    typealias Value = Logger.Metadata
    static var nameOverride: String? { "ecl.correlation.metadata" }
}

extension ServiceContext {
    /// ECL's correlation ids, when set by a span builder. Setting them also stores their log fields.
    public var eclCorrelation: Correlation? {
        get { self[CorrelationKey.self] }
        set {
            self[CorrelationKey.self] = newValue
            self[CorrelationMetadataKey.self] = newValue?.metadata
        }
    }
}
