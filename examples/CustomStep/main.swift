// Your own step in an ECL workflow, with its telemetry exported: the trace id is the workflow id, and every
// line logged inside the step carries workflow_id and step_id.
//
//   swift run example-custom-step                 # spans to ./custom-step.jsonl, logs to ./custom-step-logs.jsonl
import ECLCore
import ECLLogging
import ECLTelemetry
import Foundation
import Logging

/// Counts the words of a text; fails (retryably) the first time, to show a retry in the trace.
struct WordCountStep: Step {
    let id: StepId = "count-words"
    let name = "Count words"
    let retryPolicy = RetryPolicy.linear(maxAttempts: 2, delay: 0.1)

    func validateInput(_ input: String) -> ECLError? {
        input.isEmpty ? .validation(field: "text", message: "must not be empty") : nil
    }

    func execute(context: StepContext, input: String) async -> StepResult<Int> {
        let logger = Logger(label: "example.WordCount")
        if context.attempt == 1 {
            logger.warning("Pretending the first try timed out")
            return .failed(.timeout("first try"), retryable: true)
        }
        let count = input.split(whereSeparator: \.isWhitespace).count
        logger.info("Counted words", metadata: ["words": .stringConvertible(count)])
        return .success(count)
    }
}

let telemetry = try Telemetry.bootstrap(
    logConfig: LogConfig(level: .info, format: .compact),
    options: TelemetryOptions(jsonlOut: "custom-step.jsonl"),
    environment: ProcessInfo.processInfo.environment,
    report: { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) })

var definition = WorkflowDefinition<String>(name: "word-count")
definition.add(WordCountStep()) { state in state.input }
let orchestrator = WorkflowOrchestrator(executor: StepExecutor(llm: OfflineLLMProvider()))
let result = try await orchestrator.run(definition, input: "structured logs tie every line to its workflow")
print("workflow \(result.workflowId): \(result.status.rawValue), \(result.stepOutputs["count-words"] ?? "?") words, \(result.retries) retry")
print("its trace id: \(result.workflowId.description.replacingOccurrences(of: "-", with: ""))")
telemetry.shutdown()
