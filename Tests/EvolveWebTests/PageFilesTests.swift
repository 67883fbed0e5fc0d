import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// The page's HTML, JavaScript and CSS live in files of their own under Sources/EvolveWeb/Page,
/// embedded in the binary at build time.
@Suite("The page's files")
struct PageFilesTests {
    static let folder = PackagePaths.root.appendingPathComponent("Sources/EvolveWeb/Page")

    static func file(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }

    @Test("node parses page.js", .enabled(if: SourceChecker.runsNodeTests, "node is not installed (CI installs nodejs)"))
    func scriptParses() throws {
        let check = try SourceChecker.node(Self.folder.appendingPathComponent("page.js"))
        #expect(check.status == 0, "\(check.errors)")
    }

    @Test("`evolve serve` answers with the files as they are: the page, its script and style, and the token form")
    func servedAsTheyAre() async throws {
        let run = try TemporaryDirectory(prefix: "evolve-page-files")
        defer { run.remove() }
        _ = try SQLiteProgramStore(path: run.url.appendingPathComponent("evolve.sqlite").path)
        let server = try EvolveProcess(["serve", run.url.path, "--port", "0", "--token", "pagefiles"])
        defer { server.stop() }
        let address = try #require(try await server.address(), "stderr: \(server.stderr)")
        let base = address.absoluteString
        let token = [("Authorization", "Bearer pagefiles")]
        for (path, name) in [("", "page.html"), ("app.js", "page.js"), ("app.css", "page.css")] {
            let response = try await get(base + path, headers: token)
            #expect(response.status == 200, "/\(path)")
            #expect(Data(response.body.utf8) == (try Self.file(name)), "/\(path) is not \(name)")
        }
        let form = try await get(base)
        #expect(form.status == 401)
        #expect(Data(form.body.utf8) == (try Self.file("token-form.html")))
    }
}
