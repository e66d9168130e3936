import Foundation
import Logging
import Tracing

/// How a step ended, after all its tries.
public enum StepOutcome<Output: Sendable>: Sendable {
    /// Accepted output.
    case success(Output)
    /// Output that asks for a revision, with the feedback.
    case needsRevision(Output, feedback: String)
    /// The step failed; tries may have been spent.
    case failed(ECLError)
}

/// What the executor measured of one step execution (all its tries).
public struct StepMetadata: Sendable, Codable, Equatable {
    /// The step.
    public var stepId: StepId
    /// How many times the step ran before in this run.
    public var executionIndex: Int
    /// When the first try started (UTC).
    public var startedAt: Date
    /// When the last try ended (UTC).
    public var completedAt: Date
    /// Tries made.
    public var attempts: Int
    /// Tokens used over all tries.
    public var tokensUsed: Int
    /// From the first try's start to the last try's end, waits included, in milliseconds.
    public var durationMs: Double
    /// How the step ended.
    public var state: StepExecutionState
    /// The error that ended the step, if it failed.
    public var error: String?
}

/// The outcome of a step and what was measured.
public struct StepExecution<Output: Sendable>: Sendable {
    /// How the step ended.
    public var outcome: StepOutcome<Output>
    /// What was measured.
    public var metadata: StepMetadata
}

/// Runs one step: validates its input, tries it with backoff from its ``RetryPolicy``, validates its output,
/// and records every try in the store. Each try runs in a ``StepSpan``, so its lines carry `step_id` and `attempt`.
public struct StepExecutor: Sendable {
    /// The model steps call.
    public let llm: any LLMProvider
    /// Where tries are recorded; nil to record nothing.
    public let store: (any WorkflowStore)?
    /// The time source; waits between tries go through it.
    public let clock: any ECLClock
    private let logger = Logger(label: "ECLCore.Executor")

    /// Creates an executor.
    public init(llm: any LLMProvider, store: (any WorkflowStore)? = nil, clock: any ECLClock = SystemClock()) {
        self.llm = llm
        self.store = store
        self.clock = clock
    }

    /// What one try came to: the step is over, or it goes on after a wait.
    private enum TryResult<Output: Sendable>: Sendable {
        case finished(StepOutcome<Output>, StepExecutionState, ECLError?)
        case retry(after: Double)
    }

    /// Runs `step` on `input` as execution `executionIndex` of that step in run `workflowId`.
    public func execute<S: Step>(
        _ step: S, input: S.Input, workflowId: WorkflowId, executionIndex: Int = 0
    ) async -> StepExecution<S.Output> {
        let inputJSON = JSONText.encode(input)
        let startedAt = clock.now()
        var tokens = 0
        var attempt = 1
        let spanBuilder = StepSpan(workflowId: workflowId, stepId: step.id, name: step.name).executionIndex(executionIndex)

        /// The step's end: its outcome with what was measured from the first try's start until now.
        func finish(
            _ outcome: StepOutcome<S.Output>, state: StepExecutionState, error: ECLError?, attempts: Int, tokens: Int
        ) -> StepExecution<S.Output> {
            let end = clock.now()
            let metadata = StepMetadata(
                stepId: step.id, executionIndex: executionIndex, startedAt: startedAt, completedAt: end,
                attempts: attempts, tokensUsed: tokens, durationMs: end.timeIntervalSince(startedAt) * 1000,
                state: state, error: error.map { "\($0)" })
            return StepExecution(outcome: outcome, metadata: metadata)
        }

        while true {
            let context = StepContext(
                workflowId: workflowId, stepId: step.id, attempt: attempt, executionIndex: executionIndex, llm: llm, store: store)
            let result: TryResult<S.Output> = await spanBuilder.attempt(attempt).run { span in
                let outcome = await tryOnce(step, input: input, inputJSON: inputJSON, context: context, span: span)
                if case .finished(_, .failed, let error?) = outcome {
                    span.recordError(error)
                    span.setStatus(SpanStatus(code: .error, message: "\(error)"))
                }
                return outcome
            }
            tokens += context.tokensUsed
            switch result {
            case .finished(let outcome, let state, let error):
                return finish(outcome, state: state, error: error, attempts: attempt, tokens: tokens)
            case .retry(let delay):
                do {
                    try await clock.sleep(seconds: delay)
                } catch {
                    let cancelled = ECLError.cancelled("step '\(step.id)' was stopped while waiting to retry")
                    return finish(.failed(cancelled), state: .failed, error: cancelled, attempts: attempt, tokens: tokens)
                }
                attempt += 1
            }
        }
    }

    /// One try: input validation (first try only), the step's body, output validation, and the store record.
    private func tryOnce<S: Step>(
        _ step: S, input: S.Input, inputJSON: String, context: StepContext, span: any Span
    ) async -> TryResult<S.Output> {
        let attempt = context.attempt
        let policy = step.retryPolicy
        let attemptStart = clock.now()

        func record(_ state: StepExecutionState, output: String?, error: ECLError?) async -> ECLError? {
            guard let store else { return nil }
            let end = clock.now()
            let row = StepExecutionRecord(
                workflowId: context.workflowId, stepId: step.id, executionIndex: context.executionIndex, attempt: attempt,
                state: state, input: inputJSON, output: output, error: error.map { "\($0)" }, startedAt: attemptStart,
                completedAt: end, durationMs: end.timeIntervalSince(attemptStart) * 1000, tokensUsed: context.tokensUsed)
            do { try await store.insertStepExecution(row) } catch {
                logger.error("Recording step attempt failed", metadata: [LogField.error: "\(error)"])
                return error
            }
            return nil
        }

        if attempt == 1 {
            logger.info("Step started", metadata: [LogField.executionIndex: .stringConvertible(context.executionIndex)])
            if let invalid = step.validateInput(input) {
                recordValidation(invalid)
                let failure = await record(.failed, output: nil, error: invalid) ?? invalid
                logger.error("Step failed", metadata: [LogField.attempts: .stringConvertible(attempt), LogField.error: "\(failure)"])
                return .finished(.failed(failure), .failed, failure)
            }
        }

        let failure: ECLError
        let retryable: Bool
        let result = await step.execute(context: context, input: input)
        switch result {
        case .success(let output), .needsRevision(let output, _):
            if let invalid = step.validateOutput(output) {
                recordValidation(invalid)
                failure = invalid
                retryable = false
                break
            }
            let (state, outcome): (StepExecutionState, StepOutcome<S.Output>) =
                if case .needsRevision(_, let feedback) = result {
                    (.needsRevision, .needsRevision(output, feedback: feedback))
                } else {
                    (.succeeded, .success(output))
                }
            if let stored = await record(state, output: JSONText.encode(output), error: nil) {
                return .finished(.failed(stored), .failed, stored)
            }
            let fields: Logger.Metadata = [
                LogField.attempts: .stringConvertible(attempt), LogField.tokensUsed: .stringConvertible(context.tokensUsed),
                LogField.durationMs: .stringConvertible(Logger.rounded(clock.now().timeIntervalSince(attemptStart) * 1000)),
            ]
            logger.info(attempt > 1 ? "Step succeeded after retry" : "Step succeeded", metadata: fields)
            return .finished(outcome, state, nil)
        case .failed(let error, let canRetry):
            failure = error
            retryable = canRetry
        }

        if let stored = await record(.failed, output: nil, error: failure) {
            return .finished(.failed(stored), .failed, stored)
        }
        guard retryable, attempt < policy.maxAttempts else {
            let fields: Logger.Metadata = [LogField.attempts: .stringConvertible(attempt), LogField.error: "\(failure)"]
            logger.error(retryable ? "Step failed after all retry attempts" : "Step failed", metadata: fields)
            return .finished(.failed(failure), .failed, failure)
        }
        span.addEvent(SpanEvent(name: "retry", attributes: ["ecl.step.attempt": .int64(Int64(attempt))]))
        logger.recordRetry(attempt: attempt, maxAttempts: policy.maxAttempts, error: failure)
        return .retry(after: policy.delay(forAttempt: attempt))
    }

    private func recordValidation(_ error: ECLError) {
        if case .validation(let field, let reason) = error {
            logger.recordValidationFailure(field: field, reason: reason)
        }
    }
}

/// Compact, stable JSON text for the store.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
