import CurlClient
import ECLCore
import Foundation

/// Where the SQL exporter writes, parsed from `LogConfig.sqlExporter.databaseURL`.
public enum SQLLogDestination: Sendable, Equatable {
    /// `sqlite:PATH`.
    case sqlite(path: String)
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`.
    case postgres(PostgresURL)

    /// What `--log-sql` and `ECL_LOG_SQL_URL` accept, for error messages.
    public static let accepted = "sqlite:PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"

    /// Whether this build has the PostgreSQL engine (the package's `PostgreSQL` trait).
    public static var postgresBuiltIn: Bool {
        #if PostgreSQL
        true
        #else
        false
        #endif
    }

    /// Parses a URL; the error names the source, the value (a password hidden) and what is accepted.
    /// A PostgreSQL URL without a password takes `PGPASSWORD` from `environment`, as libpq does.
    public static func parse(_ url: String, source: String, environment: [String: String] = [:]) throws(ECLError) -> SQLLogDestination {
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw .config("\(source): 'sqlite:' has no path; expected sqlite:PATH") }
            return .sqlite(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return .postgres(try PostgresURL(parsing: url, source: source, environment: environment))
        }
        throw .config("\(source): '\(redactingPassword(url))' is not a supported database URL; accepted: \(accepted)")
    }

    /// The destination as messages show it: the path, or the URL with its password hidden.
    public var location: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url): url.redacted
        }
    }

    /// Opens the database (creating and migrating it as needed; with `readOnly`, a SQLite file as it is,
    /// for reading); the error names the location and the reason.
    public func open(readOnly: Bool = false) throws(ECLError) -> any LogEventStore {
        switch self {
        case .sqlite(let path):
            return try SQLiteLogStore(path: path, readOnly: readOnly)
        case .postgres(let url):
            #if PostgreSQL
            return try PostgresLogStore(url: url)
            #else
            throw .config("'\(url.redacted)': this build of ECL has no PostgreSQL engine; build with --traits PostgreSQL (make build-pg) or use sqlite:PATH")
            #endif
        }
    }

    /// `scheme://user:password@host/db?password=x` → `scheme://user:***@host/db?password=***` (the user name kept).
    public static func redactingPassword(_ url: String) -> String { URLText.redacted(url, keepingUserName: true) }
}

/// A PostgreSQL connection URL, parsed.
public struct PostgresURL: Sendable, Equatable {
    /// How the connection uses TLS, as libpq's `sslmode` (default `prefer`).
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or no connection.
        case require
    }

    /// The server's host name or address.
    public var host: String
    /// The server's port (default 5432).
    public var port: Int
    /// The role to log in as.
    public var user: String
    /// The role's password, if any (from the URL or `PGPASSWORD`).
    public var password: String?
    /// The database (default: the user's name).
    public var database: String
    /// TLS use.
    public var sslMode: SSLMode
    /// The URL as given, with its password hidden.
    public var redacted: String

    /// Parses `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`; the error names the source, the URL
    /// (password hidden), what is wrong and what is accepted.
    public init(parsing url: String, source: String, environment: [String: String] = [:]) throws(ECLError) {
        redacted = SQLLogDestination.redactingPassword(url)
        let shown = redacted
        func bad(_ problem: String) -> ECLError {
            .config("\(source): '\(shown)' \(problem); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]")
        }
        guard let components = URLComponents(string: url) else { throw bad("is not a valid URL") }
        guard let host = components.host, !host.isEmpty else { throw bad("has no host") }
        guard let user = components.user, !user.isEmpty else { throw bad("has no user name") }
        if let port = components.port, !(1...65535).contains(port) { throw bad("has port \(port), out of 1-65535") }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        password = components.password ?? environment["PGPASSWORD"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.contains("/") else { throw bad("has a path with more than a database name") }
        database = path.isEmpty ? user : path
        sslMode = .prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else { throw bad("has the unknown parameter '\(item.name)'") }
            guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                throw bad("has sslmode '\(item.value ?? "")', not disable, prefer or require")
            }
            sslMode = mode
        }
    }
}
