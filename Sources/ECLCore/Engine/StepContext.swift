import Logging
import Synchronization
import Tracing

/// What a step sees while it runs: who it is, which try this is, and the services it may use.
public struct StepContext: Sendable {
    /// The workflow run this step belongs to.
    public let workflowId: WorkflowId
    /// The step's id.
    public let stepId: StepId
    /// The try, from 1.
    public let attempt: Int
    /// How many times this step ran before in this workflow run (0 for the first), revisions included.
    public let executionIndex: Int
    /// The model to call.
    public let llm: any LLMProvider
    /// The store, when the run is recorded.
    public let store: (any WorkflowStore)?
    /// Where model calls are logged.
    public let logger: Logger
    /// Where model calls are counted.
    public let metrics: EngineMetrics
    let meter: TokenMeter

    /// Creates a context; the executor makes one per try.
    public init(
        workflowId: WorkflowId, stepId: StepId, attempt: Int, executionIndex: Int = 0,
        llm: any LLMProvider, store: (any WorkflowStore)? = nil, logger: Logger = Logger(label: "ECLCore.LLM"),
        metrics: EngineMetrics = EngineMetrics()
    ) {
        self.metrics = metrics
        self.workflowId = workflowId
        self.stepId = stepId
        self.attempt = attempt
        self.executionIndex = executionIndex
        self.llm = llm
        self.store = store
        self.logger = logger
        self.meter = TokenMeter()
    }

    /// Calls the model and counts its tokens towards this step's metadata.
    /// The call runs in an ``LLMSpan`` and logs its request and outcome;
    /// while it runs, ``LLMCallOrigin/current`` names this step and try.
    public func complete(_ request: LLMRequest) async throws(ECLError) -> LLMResponse {
        let origin = LLMCallOrigin(workflowId: workflowId, stepId: stepId, executionIndex: executionIndex, attempt: attempt)
        let llm = self.llm
        let llmLogger = logger
        let metrics = self.metrics
        let result: Result<LLMResponse, ECLError> = await LLMSpan(workflowId: workflowId, model: llm.model)
            .stepId(stepId).system(llm.system).run { span in
                llmLogger.debug("LLM request started", metadata: [
                    LogField.model: .string(llm.model), LogField.messageCount: .stringConvertible(request.messages.count),
                ])
                let start = ContinuousClock.now
                let result: Result<LLMResponse, ECLError> = await LLMCallOrigin.$current.withValue(origin) {
                    do throws(ECLError) { return .success(try await llm.complete(request)) } catch { return .failure(error) }
                }
                let elapsed = start.duration(to: .now)
                let durationMs = Logger.rounded(elapsed.milliseconds)
                metrics.modelCall(
                    provider: llm.system, model: llm.model, durationSeconds: elapsed.milliseconds / 1000, usage: try? result.get().usage,
                    error: result.failure)
                switch result {
                case .success(let response):
                    span.updateAttributes { attributes in
                        attributes[SpanAttributeName.genAIInputTokens] = response.usage.input
                        attributes[SpanAttributeName.genAIOutputTokens] = response.usage.output
                    }
                    llmLogger.info("LLM response received", metadata: [
                        LogField.model: .string(llm.model),
                        LogField.tokensInput: .stringConvertible(response.usage.input),
                        LogField.tokensOutput: .stringConvertible(response.usage.output),
                        LogField.tokensUsed: .stringConvertible(response.usage.total),
                        LogField.durationMs: .stringConvertible(durationMs),
                    ])
                case .failure(let error):
                    span.recordError(error)
                    span.setStatus(SpanStatus(code: .error, message: "\(error)"))
                    llmLogger.warning("LLM request failed", metadata: [
                        LogField.model: .string(llm.model), LogField.error: "\(error)", LogField.durationMs: .stringConvertible(durationMs),
                        LogField.context: .string(error.isRetryable ? "the step will decide whether to try again" : "not retryable"),
                    ])
                }
                return result
            }
        meter.called()
        let response = try result.get()
        meter.add(response.usage.total)
        return response
    }

    /// Tokens used so far in this try.
    public var tokensUsed: Int { meter.total }

    /// Model calls made so far in this try (failed ones too).
    public var modelCalls: Int { meter.calls }
}

extension Result {
    /// The error, if it failed.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// Counts the tokens of one try; shared by copies of its ``StepContext``.
final class TokenMeter: Sendable {
    private let count = Atomic<Int>(0)
    private let callCount = Atomic<Int>(0)

    func add(_ tokens: Int) { count.add(tokens, ordering: .relaxed) }

    func called() { callCount.add(1, ordering: .relaxed) }

    var total: Int { count.load(ordering: .relaxed) }

    var calls: Int { callCount.load(ordering: .relaxed) }
}
