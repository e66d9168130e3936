/// The attribute and event names the view reads meaning from: OpenTelemetry's GenAI semantic conventions for
/// model calls and tokens, and the names a workflow engine uses for a step's try and execution (ECL's by
/// default). A span without them is drawn all the same, with no marks.
public struct SpanConventions: Sendable, Equatable {
    /// Input tokens of a model call. Default `gen_ai.usage.input_tokens`.
    public var inputTokens = "gen_ai.usage.input_tokens"
    /// Output tokens of a model call. Default `gen_ai.usage.output_tokens`.
    public var outputTokens = "gen_ai.usage.output_tokens"
    /// Tokens counted as one total (a step rebuilt from a store, which keeps only the sum). Default `ecl.step.tokens_used`.
    public var totalTokens = "ecl.step.tokens_used"
    /// The model asked. Default `gen_ai.request.model` (then `gen_ai.response.model`).
    public var models = ["gen_ai.request.model", "gen_ai.response.model"]
    /// Which try of a step a span is (1-based). Default `ecl.step.attempt`.
    public var attempt = "ecl.step.attempt"
    /// Which execution of a step a span is (0-based; a revision loop runs a step again). Default `ecl.step.execution_index`.
    public var executionIndex = "ecl.step.execution_index"
    /// The event a step's span carries when its try failed and another was made. Default `retry`.
    public var retryEvent = "retry"
    /// The event that carries an error's message (`exception.message`). Default `exception`.
    public var exceptionEvent = "exception"
    /// Log fields every line of a workflow carries, left out where a line is drawn under its span (which
    /// says them already). Default ECL's correlation fields; `code.*` fields are always left out.
    public var correlationLogFields: Set<String> = ["workflow_id", "workflow_name", "step_id", "step_name"]

    /// ECL's names and OpenTelemetry's.
    public init() {}

    /// What a span says under these names.
    public func facts(of span: TraceSpan) -> SpanFacts {
        var facts = SpanFacts()
        // Token counts as they are, but never negative (a bad producer's) and summed without overflow.
        facts.inputTokens = span.attribute(inputTokens)?.integer.map { Int(max($0, 0)) }
        facts.outputTokens = span.attribute(outputTokens)?.integer.map { Int(max($0, 0)) }
        facts.totalTokens = span.attribute(totalTokens)?.integer.map { Int(max($0, 0)) }
        facts.model = models.lazy.compactMap { span.attribute($0)?.description }.first
        facts.attempt = span.attribute(attempt)?.integer.map(Int.init)
        facts.executionIndex = span.attribute(executionIndex)?.integer.map(Int.init)
        facts.retried = span.events.contains { $0.name == retryEvent }
        if span.status == .error {
            let exception = span.events.first { $0.name == exceptionEvent }?.attributes.first { $0.key == "exception.message" }?.value.description
            facts.error = span.statusMessage ?? exception ?? "failed"
        }
        return facts
    }

    /// A log record's fields worth showing beside its message.
    public func shownFields(of record: TraceLogRecord) -> [TraceSpan.Attribute] {
        record.attributes.filter { !$0.key.hasPrefix("code.") && !correlationLogFields.contains($0.key) }
    }
}

infix operator +|: AdditionPrecedence
infix operator +|=: AssignmentPrecedence

extension Int {
    /// Addition that stops at `Int.max` instead of trapping (token counts come from any producer).
    static func +| (a: Int, b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    static func +|= (a: inout Int, b: Int) { a = a +| b }
}

/// What a span says about itself: its tokens, model, try, execution, retry and error.
public struct SpanFacts: Sendable, Equatable {
    /// Input tokens of a model call.
    public var inputTokens: Int?
    /// Output tokens of a model call.
    public var outputTokens: Int?
    /// A total given as such (when the input and output are not known apart).
    public var totalTokens: Int?
    /// The model asked.
    public var model: String?
    /// Which try of its step (1-based).
    public var attempt: Int?
    /// Which execution of its step (0-based).
    public var executionIndex: Int?
    /// This try failed and another was made.
    public var retried = false
    /// The error, when the span failed.
    public var error: String?

    /// Every token the span counts: input plus output, or the total it gives.
    public var tokens: Int? {
        if inputTokens != nil || outputTokens != nil { return (inputTokens ?? 0) +| (outputTokens ?? 0) }
        return totalTokens
    }

    /// A step's span: it has a try number.
    public var isStep: Bool { attempt != nil }
}

