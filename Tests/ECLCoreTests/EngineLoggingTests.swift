import ECLCore
import InMemoryLogging
import Logging
import TestSupport
import Testing

/// What the engine logs, read from in-memory handlers (never the global logging system).
@Suite struct EngineLoggingTests {
    /// One handler per logger, with the correlation fields a real backend adds.
    struct Captured {
        let orchestrator = Self.handler()
        let executor = Self.handler()
        let llm = Self.handler()

        static func handler() -> InMemoryLogHandler {
            var handler = InMemoryLogHandler()
            handler.logLevel = .debug
            handler.metadataProvider = Correlation.metadataProvider
            return handler
        }

        func orchestrator(_ llm: any LLMProvider) -> WorkflowOrchestrator {
            let executor = StepExecutor(
                llm: llm, clock: ManualClock(), logger: Logger(label: "ECLCore.Executor") { _ in self.executor },
                llmLogger: Logger(label: "ECLCore.LLM") { _ in self.llm })
            return WorkflowOrchestrator(executor: executor, logger: Logger(label: "ECLCore.Orchestrator") { _ in self.orchestrator })
        }
    }

    @Test func aRunLogsItsStartAndEndWithEveryStepCounted() async throws {
        let captured = Captured()
        let result = try await captured.orchestrator(OfflineLLMProvider()).run(ToyWorkflow.critiqueRevise.definition(), input: TopicInput(topic: "x"))
        let entries = captured.orchestrator.entries
        #expect(entries.map(\.message.description) == ["Workflow execution started", "Revision requested", "Workflow execution completed successfully"])
        // critique-revise has three steps: generate, critique and revise.
        #expect(entries.first?.metadata["step_count"]?.description == "3")
        #expect(entries.allSatisfy { $0.metadata["workflow_id"] == .string(result.workflowId.description) })
    }

    @Test func retriesAreLoggedWithTheTryAndTheError() async throws {
        let captured = Captured()
        let llm = OfflineLLMProvider(options: .init(faultRate: 1, seed: 7))
        _ = try await captured.orchestrator(llm).run(ToyWorkflow.simple.definition(), input: TopicInput(topic: "x"))
        let retries = captured.executor.entries.filter { $0.message == "Retrying after failure" }
        // Two steps, each failing its first two tries.
        #expect(retries.count == 4)
        #expect(retries.allSatisfy { $0.level == .warning && $0.metadata["error"]?.description.contains("503") == true })
        #expect(retries.map { $0.metadata["attempt"]?.description } == ["1", "2", "1", "2"])
        let completed = captured.executor.entries.filter { $0.message == "Step execution completed" }
        #expect(completed.map { $0.metadata["attempts"]?.description } == ["3", "3"])
        // Each model call: a request at debug, then its failure or its response with the tokens.
        let calls = captured.llm.entries
        #expect(calls.filter { $0.message == "LLM request failed" }.count == 4)
        let responses = calls.filter { $0.message == "LLM response received" }
        #expect(responses.count == 2)
        #expect(responses.allSatisfy { $0.metadata["tokens_input"] != nil && $0.metadata["tokens_used"] != nil && $0.metadata["step_id"] != nil })
        #expect(calls.filter { $0.message == "LLM request failed" }.allSatisfy { $0.metadata["context"] != nil })
    }
}
