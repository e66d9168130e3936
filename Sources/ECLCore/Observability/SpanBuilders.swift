import Logging
import ServiceContextModule
import Tracing

/// Starts the span of one workflow run and makes `workflow_id` (and `workflow_name`) part of every line
/// logged inside it, in child tasks too. Span name: `workflow <name>`.
public struct WorkflowSpan: Sendable {
    /// The run.
    public let workflowId: WorkflowId
    /// The workflow's name.
    public let name: String

    /// Creates the builder.
    public init(workflowId: WorkflowId, name: String) {
        self.workflowId = workflowId
        self.name = name
    }

    /// Runs `body` inside the span; the span ends when `body` returns, and records a thrown error.
    public func run<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (any Span) async throws -> T
    ) async rethrows -> T {
        var context = ServiceContext.current ?? .topLevel
        var correlation = Correlation(workflowId: workflowId, workflowName: name)
        correlation.spanName = "workflow \(name)"
        context.eclCorrelation = correlation
        return try await withSpan("workflow \(name)", context: context, ofKind: .internal) { span in
            // One update for all (each `span.attributes[…] =` copies the whole set).
            span.updateAttributes { attributes in
                attributes[SpanAttributeName.workflowId] = workflowId.description
                attributes[SpanAttributeName.workflowName] = name
            }
            return try await body(span)
        }
    }
}

/// Starts the span of one try of one step and adds `step_id`, `step_name` and `attempt` to every line
/// logged inside it. Span name: `step <id>`.
public struct StepSpan: Sendable {
    /// The run.
    public let workflowId: WorkflowId
    /// The step.
    public let stepId: StepId
    /// The step's readable name.
    public let name: String
    private var attemptNumber = 1
    private var index = 0

    /// Creates the builder for the first try of the step's first execution.
    public init(workflowId: WorkflowId, stepId: StepId, name: String) {
        self.workflowId = workflowId
        self.stepId = stepId
        self.name = name
    }

    /// The try, from 1.
    public func attempt(_ attempt: Int) -> StepSpan {
        var copy = self
        copy.attemptNumber = attempt
        return copy
    }

    /// How many times the step ran before in this run.
    public func executionIndex(_ index: Int) -> StepSpan {
        var copy = self
        copy.index = index
        return copy
    }

    /// Runs `body` inside the span.
    public func run<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (any Span) async throws -> T
    ) async rethrows -> T {
        var context = ServiceContext.current ?? .topLevel
        var correlation = context.eclCorrelation ?? Correlation(workflowId: workflowId)
        if correlation.workflowId != workflowId { correlation = Correlation(workflowId: workflowId) }
        correlation.stepId = stepId
        correlation.stepName = name
        correlation.attempt = attemptNumber
        correlation.executionIndex = index
        correlation.spanName = "step \(stepId)"
        context.eclCorrelation = correlation
        return try await withSpan("step \(stepId)", context: context, ofKind: .internal) { span in
            span.updateAttributes { attributes in
                attributes.reserveCapacity(5)
                attributes[SpanAttributeName.workflowId] = workflowId.description
                attributes[SpanAttributeName.stepId] = stepId.rawValue
                attributes[SpanAttributeName.stepName] = name
                attributes[SpanAttributeName.stepAttempt] = attemptNumber
                attributes[SpanAttributeName.stepExecutionIndex] = index
            }
            return try await body(span)
        }
    }
}

/// Starts the span of one model call (kind client). Span name: `chat <model>`.
public struct LLMSpan: Sendable {
    /// The run.
    public let workflowId: WorkflowId
    /// The model.
    public let model: String
    private var step: StepId?
    private var system = "anthropic"

    /// Creates the builder.
    public init(workflowId: WorkflowId, model: String) {
        self.workflowId = workflowId
        self.model = model
    }

    /// The step that makes the call.
    public func stepId(_ id: StepId) -> LLMSpan {
        var copy = self
        copy.step = id
        return copy
    }

    /// The model's provider for `gen_ai.system`, such as `anthropic` (the default) or `offline`.
    public func system(_ name: String) -> LLMSpan {
        var copy = self
        copy.system = name
        return copy
    }

    /// Runs `body` inside the span.
    public func run<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (any Span) async throws -> T
    ) async rethrows -> T {
        var context = ServiceContext.current ?? .topLevel
        if context.eclCorrelation?.workflowId != workflowId { context.eclCorrelation = Correlation(workflowId: workflowId) }
        if let step, context.eclCorrelation?.stepId == nil { context.eclCorrelation?.stepId = step }
        return try await withSpan("chat \(model)", context: context, ofKind: .client) { span in
            span.updateAttributes { attributes in
                attributes.reserveCapacity(6)
                attributes[SpanAttributeName.genAISystem] = system
                attributes[SpanAttributeName.genAIRequestModel] = model
                attributes[SpanAttributeName.workflowId] = workflowId.description
                if let step { attributes[SpanAttributeName.stepId] = step.rawValue }
            }
            return try await body(span)
        }
    }
}

/// Starts the span of one database operation (kind client). Span name: `<OPERATION> <table>`.
public struct DatabaseSpan: Sendable {
    /// The operation, such as `INSERT`.
    public let operation: String
    private var tableName: String?
    private var system = "sqlite"

    /// Creates the builder.
    public init(operation: String) { self.operation = operation }

    /// The table.
    public func table(_ name: String) -> DatabaseSpan {
        var copy = self
        copy.tableName = name
        return copy
    }

    /// The database system for `db.system.name`; default `sqlite`.
    public func system(_ name: String) -> DatabaseSpan {
        var copy = self
        copy.system = name
        return copy
    }

    /// Runs `body` inside the span.
    public func run<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (any Span) async throws -> T
    ) async rethrows -> T {
        let name = tableName.map { "\(operation) \($0)" } ?? operation
        return try await withSpan(name, ofKind: .client) { span in
            span.updateAttributes { attributes in
                attributes.reserveCapacity(3)
                attributes[SpanAttributeName.dbSystemName] = system
                attributes[SpanAttributeName.dbOperationName] = operation
                if let tableName { attributes[SpanAttributeName.dbCollectionName] = tableName }
            }
            return try await body(span)
        }
    }
}
