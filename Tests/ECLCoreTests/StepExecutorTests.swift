import ECLCore
import TestSupport
import Testing

@Suite struct StepExecutorTests {
    let clock = ManualClock()
    let llm = OfflineLLMProvider()

    @Test func retryableFailuresAreRetriedWithBackoff() async throws {
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let id = WorkflowId()
        try await store.insertWorkflow(.init(id: id, definition: "t", state: .running, input: "{}", createdAt: clock.now(), updatedAt: clock.now()))
        let step = ScriptedStep("flaky", policy: .exponential(maxAttempts: 4, initialDelay: 1, maxDelay: 10), [
            .failed(.io("disk"), retryable: true), .failed(.timeout("slow"), retryable: true), .success("ok"),
        ])
        let executor = StepExecutor(llm: llm, store: store, clock: clock)
        let execution = await executor.execute(step, input: "topic", workflowId: id)
        guard case .success("ok") = execution.outcome else { Issue.record("expected success, got \(execution.outcome)"); return }
        #expect(step.script.count == 3)
        #expect(execution.metadata.attempts == 3)
        #expect(clock.sleeps == [1, 2])
        #expect(execution.metadata.durationMs == 3000)
        #expect(execution.metadata.tokensUsed > 0)
        let rows = try await store.stepExecutions(of: id)
        #expect(rows.map(\.attempt) == [1, 2, 3])
        #expect(rows.map(\.state) == [.failed, .failed, .succeeded])
        #expect(rows[0].error?.contains("disk") == true)
        #expect(rows[2].output == "\"ok\"")
    }

    @Test func nonRetryableFailureStopsAtOnce() async {
        let step = ScriptedStep("strict", [.failed(.validation(field: "x", message: "bad"), retryable: false), .success("never")])
        let execution = await StepExecutor(llm: llm, clock: clock).execute(step, input: "t", workflowId: WorkflowId())
        guard case .failed(.validation(field: "x", _)) = execution.outcome else { Issue.record("\(execution.outcome)"); return }
        #expect(step.script.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func retriesStopAtMaxAttempts() async {
        let failure = StepResult<String>.failed(.llm(message: "overloaded", status: 503), retryable: true)
        let step = ScriptedStep("down", policy: .linear(maxAttempts: 3, delay: 0.5), Array(repeating: failure, count: 5))
        let execution = await StepExecutor(llm: llm, clock: clock).execute(step, input: "t", workflowId: WorkflowId())
        guard case .failed(.llm(_, 503)) = execution.outcome else { Issue.record("\(execution.outcome)"); return }
        #expect(step.script.count == 3)
        #expect(execution.metadata.attempts == 3)
        #expect(clock.sleeps == [0.5, 0.5])
    }

    @Test func invalidInputNeverRuns() async {
        let step = ScriptedStep("v")
        let execution = await StepExecutor(llm: llm, clock: clock).execute(step, input: "bad", workflowId: WorkflowId())
        guard case .failed(.validation(field: "input", _)) = execution.outcome else { Issue.record("\(execution.outcome)"); return }
        #expect(step.script.count == 0)
    }

    @Test func invalidOutputFailsWithoutRetry() async {
        let step = ScriptedStep("v", [.success(""), .success("fine")])
        let execution = await StepExecutor(llm: llm, clock: clock).execute(step, input: "t", workflowId: WorkflowId())
        guard case .failed(.validation(field: "output", _)) = execution.outcome else { Issue.record("\(execution.outcome)"); return }
        #expect(step.script.count == 1)
    }

    @Test func cancellationDuringBackoffEndsTheStep() async {
        let step = ScriptedStep("c", [.failed(.io("x"), retryable: true), .success("late")])
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await StepExecutor(llm: llm, clock: clock).execute(step, input: "t", workflowId: WorkflowId())
        }
        let execution = await task.value
        guard case .failed(.cancelled) = execution.outcome else { Issue.record("\(execution.outcome)"); return }
        #expect(step.script.count == 1)
    }
}
