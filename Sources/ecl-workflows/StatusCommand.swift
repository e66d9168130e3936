import ArgumentParser
import ECLCore
import ECLLogging

extension ECLWorkflows {
    /// `ecl-workflows status <id>`: one run with every step attempt.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one workflow run and each of its step attempts.")

        @Argument(help: "The run's id (a UUID).")
        var workflowId: String

        @Option(help: "How results are printed: text or json (default: json when the log format is json, else text).")
        var output: String?

        @OptionGroup var loggingOptions: LoggingOptions

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let format = try loggingOptions.bootstrapForReading(output: output)
            guard let id = WorkflowId(workflowId) else {
                throw UsageError(option: "workflow-id", value: workflowId, expected: "a UUID such as 123e4567-e89b-42d3-a456-426614174000")
            }
            let store = try storeOptions.open(readOnly: true)
            let record: WorkflowRecord?
            let steps: [StepExecutionRecord]
            do {
                record = try await store.workflow(id)
                steps = try await store.stepExecutions(of: id)
            } catch {
                throw UsageError("--db: \(error)")
            }
            guard let record else { throw UsageError("workflow-id: no workflow \(id) in \(store.path)") }
            ResultPrinter(format: format).print(status: record, steps: steps)
        }
    }
}
