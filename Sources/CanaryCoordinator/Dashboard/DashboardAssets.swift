/// The dashboard's files — `Assets/*.html|css|mjs`, real files in the
/// package, embedded into the binary by SwiftPM (`embedInCode` in
/// Package.swift) so nothing is looked up or fetched at run time and the
/// page needs no build step. `/` serves the HTML; everything else is under
/// `/dashboard/NAME`, where the ES modules import each other relatively.
enum DashboardAssets {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    static let page = Asset(bytes: PackageResources.dashboard_html, contentType: "text/html; charset=utf-8")

    /// Served under `/dashboard/`, by file name.
    static let files: [String: Asset] = [
        "dashboard.css": Asset(bytes: PackageResources.dashboard_css, contentType: css),
        "main.mjs": Asset(bytes: PackageResources.main_mjs, contentType: script),
        "state.mjs": Asset(bytes: PackageResources.state_mjs, contentType: script),
        "dom.mjs": Asset(bytes: PackageResources.dom_mjs, contentType: script),
        "format.mjs": Asset(bytes: PackageResources.format_mjs, contentType: script),
        "intake.mjs": Asset(bytes: PackageResources.intake_mjs, contentType: script),
        "controls.mjs": Asset(bytes: PackageResources.controls_mjs, contentType: script),
        "charts.mjs": Asset(bytes: PackageResources.charts_mjs, contentType: script),
        "render.mjs": Asset(bytes: PackageResources.render_mjs, contentType: script),
    ]

    private static let script = "text/javascript; charset=utf-8"
    private static let css = "text/css; charset=utf-8"
}
