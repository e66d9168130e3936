/// The log field names of ECL's field catalogue (one vocabulary; see docs/logging.md).
public enum LogField {
    public static let workflowId = "workflow_id"
    public static let workflowName = "workflow_name"
    public static let stepId = "step_id"
    public static let stepName = "step_name"
    public static let attempt = "attempt"
    public static let maxAttempts = "max_attempts"
    public static let durationMs = "duration_ms"
    public static let model = "model"
    public static let messageCount = "message_count"
    public static let tokensInput = "tokens_input"
    public static let tokensOutput = "tokens_output"
    public static let tokensUsed = "tokens_used"
    public static let operation = "operation"
    public static let table = "table"
    public static let field = "field"
    public static let reason = "reason"
    public static let error = "error"
    public static let stepCount = "step_count"
    public static let attempts = "attempts"
    public static let executionIndex = "execution_index"
    public static let revision = "revision"
}

/// The span attribute names of ECL's field catalogue (OpenTelemetry names).
public enum SpanAttribute {
    public static let workflowId = "ecl.workflow.id"
    public static let workflowName = "ecl.workflow.name"
    public static let stepId = "ecl.step.id"
    public static let stepName = "ecl.step.name"
    public static let stepAttempt = "ecl.step.attempt"
    public static let stepExecutionIndex = "ecl.step.execution_index"
    public static let genAISystem = "gen_ai.system"
    public static let genAIRequestModel = "gen_ai.request.model"
    public static let genAIInputTokens = "gen_ai.usage.input_tokens"
    public static let genAIOutputTokens = "gen_ai.usage.output_tokens"
    public static let dbSystemName = "db.system.name"
    public static let dbOperationName = "db.operation.name"
    public static let dbCollectionName = "db.collection.name"
    /// The span event recorded when validation fails.
    public static let validationFailedEvent = "validation_failed"
}
