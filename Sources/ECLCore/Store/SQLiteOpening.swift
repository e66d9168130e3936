import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB

/// Opening a SQLite database that other processes may be using, or creating, at the same moment.
public enum SQLiteOpening {
    /// How a database is opened.
    public enum Mode: Sendable {
        /// Created when missing, brought up to date, written.
        case readWrite
        /// Read only: a missing file is an error, never created; nothing is migrated.
        case readOnly
    }

    /// Opens `path` (or a fresh in-memory database for `:memory:`) for `schema`.
    ///
    /// Files are in write-ahead-log mode with `synchronous = NORMAL`: readers never block the writer, and a
    /// commit costs no fsync. A process crash loses nothing; a power cut may lose the last commits, never the
    /// file. Locks held by other processes are waited on for `busyTimeout` seconds. Opening is tried up to
    /// five times, a little longer apart each time, for a file another process is switching to WAL at that
    /// moment. A read-only open of a file without `schema` (another program's database, or an empty file) is
    /// refused with ``SQLiteOpeningError/notThisSchema``.
    public static func open(
        path: String, schema: SQLiteSchema, mode: Mode = .readWrite, busyTimeout: TimeInterval
    ) throws -> DatabaseQueue {
        if path == ":memory:" {
            let queue = try DatabaseQueue()
            try queue.writeWithoutTransaction { try schema.apply(to: $0) }
            return queue
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw SQLiteOpeningError.directory
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        switch mode {
        case .readOnly:
            guard FileManager.default.fileExists(atPath: path) else { throw SQLiteOpeningError.missing }
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            guard try queue.read({ try schema.applied(in: $0) }).first == schema.migrations.first?.identifier else {
                throw SQLiteOpeningError.notThisSchema
            }
            return queue
        case .readWrite:
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            return try retrying {
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                try queue.writeWithoutTransaction { try schema.apply(to: $0) }
                return queue
            }
        }
    }

    /// Runs `body` again after a short wait while it fails with "busy" or "locked", up to five tries.
    public static func retrying<T>(_ body: () throws -> T) throws -> T {
        var attempt = 1
        while true {
            do { return try body() } catch let error as DatabaseError where isBusy(error) && attempt < maxTries {
                usleep(UInt32(retryDelayMilliseconds(after: attempt) * 1000))
                attempt += 1
            }
        }
    }

    /// The same for async work: the wait sleeps the task, not the thread.
    public static func retrying<T>(_ body: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do { return try await body() } catch let error as DatabaseError where isBusy(error) && attempt < maxTries {
                try? await Task.sleep(for: .milliseconds(retryDelayMilliseconds(after: attempt)))
                attempt += 1
            }
        }
    }

    /// Tries of a busy operation, the first included.
    static let maxTries = 5

    /// The wait after the `attempt`th busy try: 50 ms more each time.
    static func retryDelayMilliseconds(after attempt: Int) -> Int { 50 * attempt }

    /// Whether `error` is another connection's lock: worth trying again.
    public static func isBusy(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }
}

/// Why a database could not be opened, beyond what SQLite says.
public enum SQLiteOpeningError: Error, Sendable, CustomStringConvertible {
    /// Read-only, and no file is there.
    case missing
    /// Read-only, and the file holds no such schema.
    case notThisSchema
    /// The path is a directory.
    case directory

    public var description: String {
        switch self {
        case .directory: "it is a directory; expected a file path or :memory:"
        case .missing: "no such file"
        case .notThisSchema: "the file is not one of this program's databases"
        }
    }
}
