import ArgumentParser
import ECLLogging
import Foundation
import JSONWriting
@_spi(Pipeline) import OTLPExporter

/// The `--html FILE` of `trace` and `report`: checked before anything is read, written once at the end.
enum HTMLPageFile {
    /// `path` if a page can replace it whole, and it is none of `inputs` (path and what it is).
    static func checked(_ path: String?, inputs: [(String, String)]) throws -> String? {
        guard let path else { return nil }
        do throws(OTLPConfigError) { _ = try ExportOptions.checkedFile(path, option: "--html") } catch { throw UsageError(error.message) }
        try ExportOptions.refuseClash(path, option: "--html", with: inputs)
        return path
    }

    /// Writes `page` to `path` (beside it, then renamed) and says so: on standard error when standard output
    /// is JSON. A page that cannot be written is one error line and exit 1.
    static func write(_ page: String, to path: String, holding what: String, format: OutputFormat) throws {
        do { try Data(page.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            Console.error("--html: cannot write '\(path)': \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let said = "Wrote \(VisibleText.escape(path)) (\(what) as one HTML page; open it in a browser)"
        if format == .json { Console.warning(said) } else { Console.out(said) }
    }

    /// Logging for the commands that only read: the store's own error lines would come before the one-line
    /// error the user gets, so they go nowhere.
    static func silenceLogging(_ config: LogConfig = .default) {
        var quiet = config
        (quiet.level, quiet.output, quiet.sqlExporter, quiet.sampling) = (.error, .file("/dev/null"), nil, nil)
        _ = try? ECLLoggingSystem.bootstrap(quiet)
    }
}
