import ArgumentParser
import FolioCLI

/// The `folio` executable; everything it does lives in `FolioCLI`, where tests can reach it.
@main
enum FolioMain {
    static func main() async {
        await FolioCommand.main()
    }
}
