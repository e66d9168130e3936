import ECLCore
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite struct OrchestratorTests {
    func orchestrator(_ llm: any LLMProvider = OfflineLLMProvider(), store: (any WorkflowStore)? = nil) -> WorkflowOrchestrator {
        WorkflowOrchestrator(executor: StepExecutor(llm: llm, store: store, clock: ManualClock()))
    }

    @Test func stepsRunInDependencyOrder() async throws {
        var definition = WorkflowDefinition<String>(name: "diamond")
        definition.add(ScriptedStep("join"), dependsOn: ["left", "right"]) { _ in "j" }
        definition.add(ScriptedStep("left"), dependsOn: ["root"]) { _ in "l" }
        definition.add(ScriptedStep("right"), dependsOn: ["root"]) { _ in "r" }
        definition.add(ScriptedStep("root")) { _ in "x" }
        let result = try await orchestrator().run(definition, input: "in")
        #expect(result.status == .completed)
        #expect(result.stepMetadata.map(\.stepId) == ["root", "left", "right", "join"])
        #expect(Set(result.stepOutputs.keys) == ["root", "left", "right", "join"])
    }

    @Test func independentStepsRunConcurrently() async throws {
        // Each step waits until both have started: run one after the other, they would never finish.
        let gate = Gate(parties: 2)
        var definition = WorkflowDefinition<String>(name: "pair")
        definition.add(GateStep(id: "a", gate: gate)) { _ in "a" }
        definition.add(GateStep(id: "b", gate: gate)) { _ in "b" }
        let result = try await orchestrator().run(definition, input: "in")
        #expect(result.status == .completed)
    }

    @Test func invalidDefinitionThrowsBeforeRunning() async {
        var definition = WorkflowDefinition<String>(name: "bad")
        let step = ScriptedStep("a")
        definition.add(step, dependsOn: ["missing"]) { $0.input }
        await #expect(throws: WorkflowDefinitionError.unknownDependency(step: "a", dependency: "missing")) {
            try await orchestrator().run(definition, input: "x")
        }
        #expect(step.script.count == 0)
    }

    @Test func failureStopsDependentSteps() async throws {
        var definition = WorkflowDefinition<String>(name: "chain")
        definition.add(ScriptedStep("first", [.failed(.validation(field: "f", message: "no"), retryable: false)])) { $0.input }
        let second = ScriptedStep("second")
        definition.add(second, dependsOn: ["first"]) { $0.input }
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let result = try await orchestrator(store: store).run(definition, input: "x")
        #expect(result.status == .failed)
        #expect(result.error == .validation(field: "f", message: "no"))
        #expect(second.script.count == 0)
        let record = try #require(try await store.workflow(result.workflowId))
        #expect(record.state == .failed)
        #expect(record.error?.contains("'f'") == true)
        #expect(record.completedAt != nil)
    }

    @Test func critiqueReviseRevisesUntilThePass() async throws {
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let llm = OfflineLLMProvider(options: .init(revisionsBeforePass: 2))
        let result = try await orchestrator(llm, store: store).run(
            ToyWorkflow.critiqueRevise.definition(), input: TopicInput(topic: "logs"))
        #expect(result.status == .completed)
        #expect(result.revisions == 2)
        #expect(result.stepMetadata.map(\.stepId) == ["generate", "critique", "revise", "critique", "revise", "critique"])
        #expect(result.stepMetadata.filter { $0.stepId == "critique" }.map(\.executionIndex) == [0, 1, 2])
        let draft = try JSONDecoder().decode(Draft.self, from: Data(try #require(result.stepOutputs["revise"]).utf8))
        #expect(draft.revision == 2)
        let rows = try await store.stepExecutions(of: result.workflowId)
        #expect(rows.map(\.state) == [.succeeded, .needsRevision, .succeeded, .needsRevision, .succeeded, .succeeded])
        let artifacts = try await store.artifacts(of: result.workflowId)
        #expect(artifacts.map(\.name) == ["final_output"])
        #expect(artifacts[0].content.contains("\"revision\":2"))
    }

    @Test func passingTheLimitIsMaxRevisionsExceeded() async throws {
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let llm = OfflineLLMProvider(options: .init(revisionsBeforePass: 10))
        let result = try await orchestrator(llm, store: store).run(
            ToyWorkflow.critiqueRevise.definition(maxRevisions: 3), input: TopicInput(topic: "logs"))
        #expect(result.status == .failed)
        #expect(result.error == .maxRevisionsExceeded(attempts: 3))
        #expect(result.revisions == 3)
        #expect(result.stepMetadata.filter { $0.stepId == "critique" }.count == 4)
        let record = try #require(try await store.workflow(result.workflowId))
        #expect(record.state == .failed)
        #expect(record.error?.contains("3 revisions") == true)
        #expect(try await store.stepExecutions(of: result.workflowId).count == 8)
    }

    @Test func simpleWorkflowTakesTheVerdictAsItIs() async throws {
        let result = try await orchestrator(OfflineLLMProvider(options: .init(revisionsBeforePass: 5))).run(
            ToyWorkflow.simple.definition(), input: TopicInput(topic: "logs"))
        #expect(result.status == .completed)
        #expect(result.revisions == 0)
        #expect(result.stepMetadata.map(\.stepId) == ["generate", "critique"])
        #expect(result.stepOutputs["critique"]?.contains("\"revise\"") == true)
    }

    @Test func malformedCritiqueFailsNamingTheField() async throws {
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let llm = OfflineLLMProvider(options: .init(critiqueReplyOverride: #"{"critique":"fine","feedback":""}"#))
        let result = try await orchestrator(llm, store: store).run(ToyWorkflow.critiqueRevise.definition(), input: TopicInput(topic: "x"))
        #expect(result.status == .failed)
        guard case .validation(field: "decision", _)? = result.error else { Issue.record("\(String(describing: result.error))"); return }
        let rows = try await store.stepExecutions(of: result.workflowId)
        #expect(rows.last?.stepId == "critique")
        #expect(rows.last?.state == .failed)
        #expect(rows.last?.error?.contains("decision") == true)
    }

    @Test func badTopicFailsValidationAndIsRecorded() async throws {
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let long = String(repeating: "x", count: 501)
        let result = try await orchestrator(store: store).run(ToyWorkflow.simple.definition(), input: TopicInput(topic: long))
        #expect(result.status == .failed)
        guard case .validation(field: "topic", _)? = result.error else { Issue.record("\(String(describing: result.error))"); return }
        #expect(try await store.stepExecutions(of: result.workflowId).first?.state == .failed)
        #expect(TopicInput(topic: "   ").validate() != nil)
        #expect(TopicInput(topic: String(repeating: "y", count: 500)).validate() == nil)
    }

    @Test func transientFaultsAreRetriedAndRecorded() async throws {
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let llm = OfflineLLMProvider(options: .init(faultRate: 1, seed: 7))
        let result = try await orchestrator(llm, store: store).run(ToyWorkflow.simple.definition(), input: TopicInput(topic: "x"))
        #expect(result.status == .completed)
        #expect(result.stepMetadata.map(\.attempts) == [3, 3])
        let rows = try await store.stepExecutions(of: result.workflowId)
        #expect(rows.map(\.attempt) == [1, 2, 3, 1, 2, 3])
        #expect(rows.filter { $0.state == .failed }.allSatisfy { $0.error?.contains("503") == true })
    }

    @Test func concurrentWorkflowsAreAllRecorded() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-\(UUID()).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteWorkflowStore(path: path)
        let orchestrator = orchestrator(OfflineLLMProvider(options: .init(faultRate: 0.3, seed: 3)), store: store)
        let definition = ToyWorkflow.critiqueRevise.definition()
        let results = await withTaskGroup(of: WorkflowResult?.self) { group in
            for index in 0..<24 {
                group.addTask { try? await orchestrator.run(definition, input: TopicInput(topic: "topic \(index)")) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.compactMap { $0 }.count == 24)
        let records = try await SQLiteWorkflowStore(path: path).workflows(limit: 100)
        #expect(records.count == 24)
        #expect(records.allSatisfy { $0.state == .completed })
        for result in results.compactMap({ $0 }) {
            let rows = try await store.stepExecutions(of: result.workflowId)
            #expect(rows.count == result.totalAttempts)
        }
    }
}

/// Lets `parties` tasks through only once all of them have arrived.
actor Gate {
    private let parties: Int
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arrive() async {
        arrived += 1
        if arrived == parties {
            waiting.forEach { $0.resume() }
            waiting = []
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
    }
}

struct GateStep: Step {
    let id: StepId
    let name = "gate"
    let gate: Gate

    func execute(context: StepContext, input: String) async -> StepResult<String> {
        await gate.arrive()
        return .success(input)
    }
}
