import PostgresNIO
import Testing

@testable import TenantRegistry

@Suite struct DatabaseURLTests {
    @Test func thePoolStartsWarmUnlessToldOtherwise() throws {
        let warm = try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&max_connections=12&tenant_connections=0").configuration.options
        #expect(warm.maximumConnections == 12)
        #expect(warm.minimumConnections == 12)
        let lazy = try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&max_connections=12&min_connections=2").configuration.options
        #expect(lazy.minimumConnections == 2)
        let capped = try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&max_connections=4&min_connections=9").configuration.options
        #expect(capped.minimumConnections == 2)
    }

    @Test func theTenantsOwnConnectionsComeOutOfTheMaximum() throws {
        func split(_ query: String) throws -> (shared: Int, tenants: Int) {
            let url = try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable" + query)
            return (url.configuration.options.maximumConnections, url.tenantConnections)
        }
        #expect(try split("") == (12, 8))
        #expect(try split("&max_connections=6") == (3, 3))
        #expect(try split("&max_connections=1") == (1, 0))
        #expect(try split("&max_connections=40") == (32, 8))
        #expect(try split("&max_connections=12&tenant_connections=11") == (1, 11))
        #expect(try split("&tenant_connections=0") == (20, 0))
        for (refused, range) in [
            ("tenant_connections=20", "0 to 19"), ("tenant_connections=-1", "0 to 19"), ("tenant_connections=some", "0 to 19"),
            ("max_connections=3&tenant_connections=3", "0 to 2"),
        ] {
            #expect(throws: DatabaseURLError.malformed("tenant_connections must be a whole number from \(range) (max_connections - 1)")) {
                try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?" + refused)
            }
        }
        // The shared pool's minimum follows its own size; a one-off command's single pool gets them all.
        let url = try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&max_connections=12")
        #expect(url.configuration.options.minimumConnections == 6)
        #expect(url.singlePoolConfiguration.options.maximumConnections == 12)
        #expect(url.singlePoolConfiguration.options.minimumConnections == 12)
        let lazy = try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&max_connections=12&min_connections=0")
        #expect(lazy.singlePoolConfiguration.options.minimumConnections == 0)
        for refused in ["max_connections=0", "max_connections=-3", "max_connections=twenty", "max_connections="] {
            #expect(throws: DatabaseURLError.malformed("max_connections must be a whole number of at least 1")) {
                try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?" + refused)
            }
        }
        for refused in ["min_connections=-1", "min_connections=all", "min_connections=2.5"] {
            #expect(throws: DatabaseURLError.malformed("min_connections must be a whole number of at least 0")) {
                try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?" + refused)
            }
        }
    }

    @Test func statementsArePreparedUnlessToldOtherwise() throws {
        #expect(try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable").preparesStatements)
        #expect(try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&prepared_statements=on").preparesStatements)
        #expect(try !DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&prepared_statements=off").preparesStatements)
        #expect(throws: DatabaseURLError.malformed("prepared_statements must be on or off")) {
            try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?prepared_statements=no")
        }
    }

    @Test func aTenantsOwnConnectionReachesTheSameServerAsThePool() throws {
        for text in [
            "postgres://folio:secret@db.example:6543/folio?sslmode=require", "postgres://folio@127.0.0.1/books?sslmode=disable",
            "postgres://folio@localhost:5433/folio?host=/run/postgresql",
        ] {
            let url = try DatabaseURL(text)
            let (pool, own) = (url.configuration, url.connectionConfiguration)
            #expect(own.host == pool.host && own.port == pool.port && own.unixSocketPath == pool.unixSocketPath, "\(text)")
            #expect(own.username == pool.username && own.password == pool.password && own.database == pool.database, "\(text)")
        }
    }
}
