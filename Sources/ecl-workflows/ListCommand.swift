import ArgumentParser
import ECLCore
import ECLLogging

extension ECLWorkflows {
    /// `ecl-workflows list`: the newest recorded runs.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recorded workflow runs, newest first.")

        @Option(parsing: .unconditional, help: "How many runs to show.")
        var limit: String = "20"

        @Option(help: "How results are printed: text or json (default: json when the log format is json, else text).")
        var output: String?

        @OptionGroup var loggingOptions: LoggingOptions

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let format = try loggingOptions.bootstrapForReading(output: output)
            let limit = try RunPlan.integer(limit, option: "--limit", atLeast: 1)
            let store = try storeOptions.open(readOnly: true)
            do {
                ResultPrinter(format: format).print(workflows: try await store.workflows(limit: limit))
            } catch {
                throw UsageError("--db: \(error)")
            }
        }
    }
}
