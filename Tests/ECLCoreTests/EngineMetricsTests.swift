import CoreMetrics
import Foundation
import ECLCore
import MetricsTestKit
import TestSupport
import Testing

/// The engine counts workflows, steps, retries, model calls and store operations through swift-metrics, into
/// the backend it was given (here swift-metrics' own test backend).
@Suite struct EngineMetricsTests {
    typealias Name = EngineMetrics.Name
    typealias Dimension = EngineMetrics.Dimension

    @Test func aRunIsCountedByWorkflowStepRetryModelAndStore() async throws {
        let metrics = TestMetrics()
        let store = try SQLiteWorkflowStore(path: ":memory:", metrics: EngineMetrics(factory: metrics))
        let executor = StepExecutor(llm: OfflineLLMProvider(), store: store, clock: ManualClock(), metrics: EngineMetrics(factory: metrics))
        var definition = WorkflowDefinition<String>(name: "pipeline")
        definition.add(ScriptedStep("draft", [.failed(.timeout("slow model"), retryable: true)])) { $0.input }
        definition.add(ScriptedStep("check", [.failed(.validation(field: "f", message: "no"), retryable: false)]), dependsOn: ["draft"]) { $0.input }
        let result = try await WorkflowOrchestrator(executor: executor).run(definition, input: "topic")
        #expect(result.status == .failed)

        let workflow = [(Dimension.workflowName, "pipeline")]
        #expect(try metrics.expectCounter(Name.workflowsStarted, workflow).totalValue == 1)
        #expect(try metrics.expectCounter(Name.workflowsFailed, workflow).totalValue == 1)
        #expect(throws: (any Error).self) { try metrics.expectCounter(Name.workflowsCompleted, workflow) }
        let duration = try metrics.expectTimer(Name.workflowDuration, workflow + [(Dimension.workflowOutcome, "failed")])
        #expect(duration.values.count == 1)
        #expect(try metrics.expectRecorder(Name.workflowRevisions, workflow).values == [0])

        // One retry of `draft` after its timeout; `check` failed without one.
        let retries = try metrics.expectCounter(
            Name.stepRetries, workflow + [(Dimension.stepId, "draft"), (Dimension.errorType, "timeout")])
        #expect(retries.totalValue == 1)
        let stepTimers = metrics.timers.filter { $0.label == Name.stepDuration }
        #expect(Set(stepTimers.map { $0.dimensions.map { "\($0.0)=\($0.1)" }.sorted().joined(separator: ",") }) == [
            "ecl.step.id=check,ecl.step.outcome=failed,ecl.workflow.name=pipeline",
            "ecl.step.id=draft,ecl.step.outcome=succeeded,ecl.workflow.name=pipeline",
        ])

        // Three model calls (two tries of draft, one of check), their tokens by type.
        let call = [(Dimension.operationName, "chat"), (Dimension.providerName, "offline"), (Dimension.requestModel, OfflineLLMProvider().model)]
        #expect(try metrics.expectTimer(Name.modelCallDuration, call).values.count == 3)
        let input = try metrics.expectRecorder(Name.tokenUsage, call + [(Dimension.tokenType, "input")])
        let output = try metrics.expectRecorder(Name.tokenUsage, call + [(Dimension.tokenType, "output")])
        #expect(input.values.count == 3 && output.values.count == 3)
        #expect(Int(input.values.reduce(0, +) + output.values.reduce(0, +)) == result.tokensUsed)

        // Store operations, timed by table and operation.
        let inserts = try metrics.expectTimer(
            Name.storeOperationDuration,
            [(Dimension.dbSystemName, "sqlite"), (Dimension.dbOperationName, "INSERT"), (Dimension.dbCollectionName, "step_executions")])
        #expect(inserts.values.count == 3)
    }

    @Test func aFailedModelCallCarriesItsErrorType() async throws {
        let metrics = TestMetrics()
        let context = StepContext(
            workflowId: WorkflowId(), stepId: "s", attempt: 1, llm: FailingLLM(), metrics: EngineMetrics(factory: metrics))
        _ = try? await context.complete(LLMRequest(messages: [.user("hi")]))
        let call = [(Dimension.operationName, "chat"), (Dimension.providerName, "test"), (Dimension.requestModel, "m"), (Dimension.errorType, "429")]
        #expect(try metrics.expectTimer(Name.modelCallDuration, call).values.count == 1)
        #expect(metrics.recorders.filter { $0.label == Name.tokenUsage }.isEmpty, "no tokens without an answer")
    }

    @Test func aRetryStoppedDuringItsWaitIsNotCounted() async throws {
        let metrics = TestMetrics()
        let executor = StepExecutor(llm: OfflineLLMProvider(), clock: StoppedClock(), metrics: EngineMetrics(factory: metrics))
        let step = ScriptedStep("flaky", [.failed(.timeout("slow"), retryable: true)])
        let execution = await executor.execute(step, input: "x", workflowId: WorkflowId())
        #expect(execution.metadata.attempts == 1, "the wait was stopped: no second try")
        #expect(metrics.counters.filter { $0.label == Name.stepRetries }.isEmpty, "no retry made, none counted")
        let ended = metrics.timers.filter { $0.label == Name.stepDuration }
        #expect(ended.count == 1 && ended[0].dimensions.contains { $0 == (Dimension.stepOutcome, "failed") })
    }

    @Test func workflowsStoppedAtOnceAreCountedCancelled() throws {
        let metrics = TestMetrics()
        EngineMetrics(factory: metrics).workflowsAbandoned("pipeline", count: 3)
        EngineMetrics(factory: metrics).workflowsAbandoned("pipeline", count: 0)
        #expect(try metrics.expectCounter(Name.workflowsCancelled, [(Dimension.workflowName, "pipeline")]).totalValue == 3)
    }

    @Test func everyMetricHasADescription() {
        let names = [
            Name.workflowsStarted, Name.workflowsCompleted, Name.workflowsFailed, Name.workflowsCancelled, Name.workflowDuration,
            Name.workflowRevisions, Name.stepDuration, Name.stepRetries, Name.tokenUsage, Name.modelCallDuration, Name.storeOperationDuration,
        ]
        #expect(Set(EngineMetrics.descriptions.keys) == Set(names))
        #expect(EngineMetrics.descriptions.values.allSatisfy { !$0.unit.isEmpty && $0.description.hasSuffix(".") })
    }
}

/// A model that answers 429 to every call.
struct FailingLLM: LLMProvider {
    var model: String { "m" }
    var system: String { "test" }
    func complete(_ request: LLMRequest) async throws(ECLError) -> LLMResponse { throw .llm(message: "busy", status: 429) }
}

/// A clock whose waits are stopped at once, as a cancelled task's are.
struct StoppedClock: ECLClock {
    func now() -> Date { Date(timeIntervalSince1970: 1_800_000_000) }
    func sleep(seconds: Double) async throws { throw CancellationError() }
}
