import Foundation
import Logging

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
/// and records every try in the store.
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

    /// Runs `step` on `input` as execution `executionIndex` of that step in run `workflowId`.
    public func execute<S: Step>(
        _ step: S, input: S.Input, workflowId: WorkflowId, executionIndex: Int = 0
    ) async -> StepExecution<S.Output> {
        var logger = self.logger
        logger[metadataKey: "workflow_id"] = "\(workflowId)"
        logger[metadataKey: "step_id"] = "\(step.id)"
        logger[metadataKey: "step_name"] = "\(step.name)"
        let inputJSON = JSONText.encode(input)
        let startedAt = clock.now()
        var tokens = 0
        let policy = step.retryPolicy

        func finish(_ outcome: StepOutcome<S.Output>, attempts: Int, state: StepExecutionState, error: ECLError?) -> StepExecution<S.Output> {
            let end = clock.now()
            let metadata = StepMetadata(
                stepId: step.id, executionIndex: executionIndex, startedAt: startedAt, completedAt: end,
                attempts: attempts, tokensUsed: tokens, durationMs: end.timeIntervalSince(startedAt) * 1000,
                state: state, error: error.map { "\($0)" })
            return StepExecution(outcome: outcome, metadata: metadata)
        }

        func record(attempt: Int, state: StepExecutionState, output: String?, error: ECLError?, from start: Date, tokens: Int) async -> ECLError? {
            guard let store else { return nil }
            let end = clock.now()
            let row = StepExecutionRecord(
                workflowId: workflowId, stepId: step.id, executionIndex: executionIndex, attempt: attempt,
                state: state, input: inputJSON, output: output, error: error.map { "\($0)" }, startedAt: start,
                completedAt: end, durationMs: end.timeIntervalSince(start) * 1000, tokensUsed: tokens)
            do { try await store.insertStepExecution(row) } catch {
                logger.error("Recording step attempt failed", metadata: ["error": "\(error)"])
                return error
            }
            return nil
        }

        logger.info("Step started")
        if let invalid = step.validateInput(input) {
            logger.warning("Validation failed", metadata: Self.validationFields(invalid))
            let stored = await record(attempt: 1, state: .failed, output: nil, error: invalid, from: startedAt, tokens: 0)
            return finish(.failed(stored ?? invalid), attempts: 1, state: .failed, error: stored ?? invalid)
        }

        var attempt = 1
        while true {
            let attemptStart = clock.now()
            let context = StepContext(
                workflowId: workflowId, stepId: step.id, attempt: attempt, executionIndex: executionIndex,
                llm: llm, store: store)
            let result = await step.execute(context: context, input: input)
            let used = context.tokensUsed
            tokens += used

            let failure: ECLError
            let retryable: Bool
            switch result {
            case .success(let output), .needsRevision(let output, _):
                if let invalid = step.validateOutput(output) {
                    logger.warning("Validation failed", metadata: Self.validationFields(invalid))
                    failure = invalid
                    retryable = false
                    break
                }
                let outputJSON = JSONText.encode(output)
                let (state, outcome): (StepExecutionState, StepOutcome<S.Output>) =
                    if case .needsRevision(_, let feedback) = result {
                        (.needsRevision, .needsRevision(output, feedback: feedback))
                    } else {
                        (.succeeded, .success(output))
                    }
                if let stored = await record(attempt: attempt, state: state, output: outputJSON, error: nil, from: attemptStart, tokens: used) {
                    return finish(.failed(stored), attempts: attempt, state: .failed, error: stored)
                }
                if attempt > 1 {
                    logger.info("Step succeeded after retry", metadata: ["attempts": "\(attempt)"])
                } else {
                    logger.info("Step succeeded", metadata: ["attempts": "\(attempt)", "tokens_used": "\(tokens)"])
                }
                return finish(outcome, attempts: attempt, state: state, error: nil)
            case .failed(let error, let canRetry):
                failure = error
                retryable = canRetry
            }

            if let stored = await record(attempt: attempt, state: .failed, output: nil, error: failure, from: attemptStart, tokens: used) {
                return finish(.failed(stored), attempts: attempt, state: .failed, error: stored)
            }
            guard retryable, attempt < policy.maxAttempts else {
                if retryable {
                    logger.error("Step failed after all retry attempts", metadata: ["attempts": "\(attempt)", "error": "\(failure)"])
                } else {
                    logger.error("Step failed", metadata: ["attempts": "\(attempt)", "error": "\(failure)"])
                }
                return finish(.failed(failure), attempts: attempt, state: .failed, error: failure)
            }
            logger.warning(
                "Retrying after failure",
                metadata: ["attempt": "\(attempt)", "max_attempts": "\(policy.maxAttempts)", "error": "\(failure)"])
            do {
                try await clock.sleep(seconds: policy.delay(forAttempt: attempt))
            } catch {
                let cancelled = ECLError.timeout("step '\(step.id)' was cancelled while waiting to retry")
                return finish(.failed(cancelled), attempts: attempt, state: .failed, error: cancelled)
            }
            attempt += 1
        }
    }

    private static func validationFields(_ error: ECLError) -> Logger.Metadata {
        if case .validation(let field, let reason) = error {
            return ["field": "\(field)", "reason": "\(reason)"]
        }
        return ["error": "\(error)"]
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
