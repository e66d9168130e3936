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

    /// The state the store records for it.
    var state: StepExecutionState {
        switch self {
        case .success: .succeeded
        case .needsRevision: .needsRevision
        case .failed: .failed
        }
    }

    /// The error that ended the step, if it failed.
    var error: ECLError? {
        if case .failed(let error) = self { return error }
        return nil
    }

    /// The same outcome with its output boxed, so outcomes of steps of any types mix.
    func erased() -> StepOutcome<any Sendable> {
        switch self {
        case .success(let output): .success(output)
        case .needsRevision(let output, let feedback): .needsRevision(output, feedback: feedback)
        case .failed(let error): .failed(error)
        }
    }
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
    /// The output as JSON text, as the store got it (encoded once); nil when the step failed.
    public var outputJSON: String?
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
    /// Where the executor logs each try (label `ECLCore.Executor` by default).
    public let logger: Logger
    /// Where model calls are logged (label `ECLCore.LLM` by default).
    public let llmLogger: Logger
    /// Where steps, retries, model calls (and the orchestrator's workflows) are counted.
    public let metrics: EngineMetrics

    /// Creates an executor. Tests pass loggers over an in-memory handler to read what it logs, and metrics
    /// over a backend of their own.
    public init(
        llm: any LLMProvider, store: (any WorkflowStore)? = nil, clock: any ECLClock = SystemClock(),
        logger: Logger = Logger(label: "ECLCore.Executor"), llmLogger: Logger = Logger(label: "ECLCore.LLM"),
        metrics: EngineMetrics = EngineMetrics()
    ) {
        self.llm = llm
        self.store = store
        self.clock = clock
        self.logger = logger
        self.llmLogger = llmLogger
        self.metrics = metrics
    }

    /// What one try came to: the step is over (with its output's JSON), or it goes on after a wait.
    private enum TryResult<Output: Sendable>: Sendable {
        case finished(StepOutcome<Output>, json: String?)
        case retry(after: Double, error: ECLError)
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
        let workflowName = Correlation.current.flatMap { $0.workflowId == workflowId ? $0.workflowName : nil }

        /// The step's end: its outcome with what was measured from the first try's start until now.
        func finish(_ outcome: StepOutcome<S.Output>, json: String?, attempts: Int, tokens: Int) -> StepExecution<S.Output> {
            let end = clock.now()
            let metadata = StepMetadata(
                stepId: step.id, executionIndex: executionIndex, startedAt: startedAt, completedAt: end,
                attempts: attempts, tokensUsed: tokens, durationMs: end.timeIntervalSince(startedAt) * 1000,
                state: outcome.state, error: outcome.error.map { "\($0)" })
            metrics.stepEnded(workflow: workflowName, step: step.id, state: outcome.state, durationSeconds: end.timeIntervalSince(startedAt))
            return StepExecution(outcome: outcome, outputJSON: json, metadata: metadata)
        }

        while true {
            let context = StepContext(
                workflowId: workflowId, stepId: step.id, attempt: attempt, executionIndex: executionIndex, llm: llm, store: store,
                logger: llmLogger, metrics: metrics)
            let result: TryResult<S.Output> = await spanBuilder.attempt(attempt).run { span in
                let outcome = await tryOnce(step, input: input, inputJSON: inputJSON, context: context, span: span)
                if case .finished(.failed(let error), _) = outcome {
                    span.recordError(error)
                    span.setStatus(SpanStatus(code: .error, message: "\(error)"))
                }
                return outcome
            }
            tokens += context.tokensUsed
            switch result {
            case .finished(let outcome, let json):
                return finish(outcome, json: json, attempts: attempt, tokens: tokens)
            case .retry(let delay, let failure):
                do {
                    try await clock.sleep(seconds: delay)
                } catch {
                    let cancelled = ECLError.cancelled("step '\(step.id)' was stopped while waiting to retry")
                    return finish(.failed(cancelled), json: nil, attempts: attempt, tokens: tokens)
                }
                // Counted when the next try is made, as the run's result counts retries (tries beyond the first).
                metrics.stepRetried(workflow: workflowName, step: step.id, error: failure)
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
                completedAt: end, durationMs: end.timeIntervalSince(attemptStart) * 1000, tokensUsed: context.tokensUsed,
                model: context.modelCalls > 0 ? context.llm.model : nil)
            do { try await store.insertStepExecution(row) } catch {
                logger.error("Recording step attempt failed", metadata: [LogField.error: "\(error)"])
                return error
            }
            return nil
        }

        if attempt == 1 {
            logger.info("Step execution started", metadata: [LogField.executionIndex: .stringConvertible(context.executionIndex)])
            if let invalid = step.validateInput(input) {
                recordValidation(invalid)
                let failure = await record(.failed, output: nil, error: invalid) ?? invalid
                logFailure(failure, attempt: attempt, since: attemptStart, context: "the input did not validate; the step did not run")
                return .finished(.failed(failure), json: nil)
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
            let outcome: StepOutcome<S.Output> =
                if case .needsRevision(_, let feedback) = result { .needsRevision(output, feedback: feedback) } else { .success(output) }
            // Encoded once: the store's copy is the one the run's final output is made of.
            let json = JSONText.encode(output)
            if let stored = await record(outcome.state, output: json, error: nil) {
                return .finished(.failed(stored), json: nil)
            }
            // Built only when the line is written (the metadata argument is an autoclosure).
            logger.info("Step execution completed", metadata: [
                LogField.attempts: .stringConvertible(attempt), LogField.tokensUsed: .stringConvertible(context.tokensUsed),
                LogField.durationMs: .stringConvertible(Logger.rounded(clock.now().timeIntervalSince(attemptStart) * 1000)),
            ])
            return .finished(outcome, json: json)
        case .failed(let error, let canRetry):
            failure = error
            retryable = canRetry
        }

        if let stored = await record(.failed, output: nil, error: failure) {
            return .finished(.failed(stored), json: nil)
        }
        guard retryable, attempt < policy.maxAttempts else {
            let context = retryable ? "after all \(attempt) tries" : "not retryable: \(Self.why(failure))"
            logFailure(failure, attempt: attempt, since: attemptStart, context: context)
            return .finished(.failed(failure), json: nil)
        }
        span.addEvent(SpanEvent(name: "retry", attributes: ["ecl.step.attempt": .int64(Int64(attempt))]))
        logger.recordRetry(attempt: attempt, maxAttempts: policy.maxAttempts, error: failure)
        return .retry(after: policy.delay(forAttempt: attempt), error: failure)
    }

    /// "Step execution failed" (error) with `attempts`, `duration_ms` of the try, `error`, and `context`: why no
    /// further try was made.
    private func logFailure(_ failure: ECLError, attempt: Int, since start: Date, context: String) {
        logger.error("Step execution failed", metadata: [
            LogField.attempts: .stringConvertible(attempt), LogField.error: "\(failure)", LogField.context: .string(context),
            LogField.durationMs: .stringConvertible(Logger.rounded(clock.now().timeIntervalSince(start) * 1000)),
        ])
    }

    /// Why a failure is not retried, in a few words.
    private static func why(_ failure: ECLError) -> String {
        switch failure {
        case .validation: "the output did not validate"
        case .cancelled: "the run was stopped"
        case .llm(_, let status?): "the model answered \(status)"
        default: "the step said so"
        }
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

    /// A JSON object of members that are JSON text already, keys sorted: nothing decoded or encoded again.
    static func object(_ members: [String: String]) -> String {
        "{" + members.sorted { $0.key < $1.key }.map { encode($0.key) + ":" + $0.value }.joined(separator: ",") + "}"
    }
}
