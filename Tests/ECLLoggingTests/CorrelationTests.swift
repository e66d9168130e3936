import ECLCore
import ECLLogging
import Foundation
import Logging
import Testing

@Suite struct CorrelationTests {
    let sink = LogSink.memory()

    func logger(_ label: String = "test") throws -> Logger {
        let factory = try ECLLoggingSystem.handlerFactory(
            config: LogConfig(level: .trace, format: .json), sink: sink, metadataProvider: Correlation.metadataProvider)
        return Logger(label: label, factory: factory)
    }

    func objects() throws -> [[String: Any]] {
        try sink.lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    @Test func spansPutTheirIdsOnEveryLineInside() async throws {
        let logger = try logger()
        let id = WorkflowId()
        logger.info("outside")
        await WorkflowSpan(workflowId: id, name: "critique-revise").run { _ in
            logger.info("in workflow")
            await StepSpan(workflowId: id, stepId: "generate", name: "Generate draft").attempt(2).run { _ in
                logger.info("in step")
                async let child: Void = { logger.info("in child task") }()
                await child
                await LLMSpan(workflowId: id, model: "m").stepId("generate").run { _ in logger.info("in llm") }
                await DatabaseSpan(operation: "INSERT").table("workflows").run { _ in logger.info("in db") }
            }
            logger.info("after step")
        }
        let lines = try objects()
        #expect(lines.map { $0["message"] as? String } == ["outside", "in workflow", "in step", "in child task", "in llm", "in db", "after step"])
        #expect(lines[0]["workflow_id"] == nil)
        for line in lines.dropFirst() {
            #expect(line["workflow_id"] as? String == id.description)
            #expect(line["workflow_name"] as? String == "critique-revise")
        }
        for line in lines[2...5] {
            #expect(line["step_id"] as? String == "generate")
            #expect(line["step_name"] as? String == "Generate draft")
            #expect(line["attempt"] as? Int == 2)
        }
        #expect(lines[1]["step_id"] == nil)
        #expect(lines[6]["step_id"] == nil)
    }

    @Test func concurrentWorkflowsNeverMixFields() async throws {
        let logger = try logger()
        let ids = (0..<24).map { _ in WorkflowId() }
        await withTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    await WorkflowSpan(workflowId: id, name: "w").run { _ in
                        await withTaskGroup(of: Void.self) { steps in
                            for step in ["a", "b", "c"] {
                                steps.addTask {
                                    await StepSpan(workflowId: id, stepId: StepId(step), name: step).run { _ in
                                        for _ in 0..<20 {
                                            logger.info("line", metadata: ["expected_workflow": "\(id)", "expected_step": "\(step)"])
                                            await Task.yield()
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let lines = try objects()
        #expect(lines.count == 24 * 3 * 20)
        for line in lines {
            #expect(line["workflow_id"] as? String == line["expected_workflow"] as? String)
            #expect(line["step_id"] as? String == line["expected_step"] as? String)
        }
    }

    @Test func stepSpanForAnotherWorkflowStartsAFreshCorrelation() async throws {
        let logger = try logger()
        let outer = WorkflowId()
        let other = WorkflowId()
        await WorkflowSpan(workflowId: outer, name: "outer").run { _ in
            await StepSpan(workflowId: other, stepId: "s", name: "S").run { _ in logger.info("x") }
            await LLMSpan(workflowId: other, model: "m").run { _ in logger.info("y") }
        }
        let lines = try objects()
        #expect(lines.allSatisfy { $0["workflow_id"] as? String == other.description })
        #expect(lines.allSatisfy { $0["workflow_name"] == nil })
        #expect(Correlation.current == nil)
    }

    @Test func recordHelpersUseTheStageMessagesAndFields() throws {
        let logger = try logger()
        logger.recordPerformance(durationMs: 12.3456789, tokensUsed: 99)
        logger.recordRetry(attempt: 1, maxAttempts: 3, error: ECLError.io("disk"))
        logger.recordValidationFailure(field: "topic", reason: "must not be empty")
        let lines = try objects()
        #expect(lines[0]["message"] as? String == "Operation completed")
        #expect(lines[0]["duration_ms"] as? Double == 12.346)
        #expect(lines[0]["tokens_used"] as? Int == 99)
        #expect(lines[0]["operation"] == nil)
        #expect(lines[1]["message"] as? String == "Retrying after failure")
        #expect(lines[1]["level"] as? String == "warn")
        #expect(lines[1]["attempt"] as? Int == 1)
        #expect(lines[1]["max_attempts"] as? Int == 3)
        #expect(lines[1]["error"] as? String == "I/O error: disk")
        #expect(lines[2]["message"] as? String == "Validation failed")
        #expect(lines[2]["field"] as? String == "topic")
        #expect(lines[2]["reason"] as? String == "must not be empty")
    }

    @Test func handlerMetadataAndErrorsAreFields() throws {
        var logger = try logger("ECLCore.Store")
        logger[metadataKey: "component"] = "store"
        #expect(logger[metadataKey: "component"] == "store")
        logger.error("failed", error: ECLError.timeout("slow"))
        let line = try #require(try objects().first)
        #expect(line["component"] as? String == "store")
        #expect(line["error"] as? String == "timed out: slow")
    }

    @Test func filterSetsPerLoggerLevels() throws {
        let factory = try ECLLoggingSystem.handlerFactory(config: LogConfig(level: .debug, filter: "ECLCore.Store=warn"), sink: sink)
        #expect(Logger(label: "ECLCore.Store", factory: factory).logLevel == .warning)
        #expect(Logger(label: "ECLCore.Executor", factory: factory).logLevel == .debug)
        #expect(throws: LogConfigError.self) { try ECLLoggingSystem.handlerFactory(config: LogConfig(filter: "x=nope"), sink: sink) }
    }
}
