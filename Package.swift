// swift-tools-version:5.9
// minicloud for Swift (iOS 13+, macOS 10.15+), consumed by SwiftPM from the repository root:
//   .package(url: "https://github.com/minicloud/minicloud", from: "0.1.0")  →  product "Minicloud"
//
// `Minicloud` is the uniffi-generated bindings plus Codable helpers (bindings-uniffi/swift/Sources/Minicloud);
// `MinicloudFFI` is the Rust core as a binary target: an XCFramework of libminicloud_uniffi (static) for iOS
// devices, the iOS simulator and macOS, with the generated C header and module map.
//
// Where the XCFramework comes from:
// - dist/apple/MinicloudFFI.xcframework when it exists: a maintainer's local build
//   (`bash scripts/build-apple.sh`, macOS with Xcode);
// - else the release asset below; `scripts/build-apple.sh --release-url URL` writes its URL and checksum here,
//   and the release workflow (.github/workflows/release.yml, job `apple`) commits that before tagging.
//
// No Swift compiler exists on the project's Linux machines: this manifest has never been resolved there.
import Foundation
import PackageDescription

let xcframeworkURL = ""
let xcframeworkChecksum = ""

let localXCFramework = "dist/apple/MinicloudFFI.xcframework"
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

func ffiTarget() -> Target {
    if FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent(localXCFramework).path) {
        return .binaryTarget(name: "MinicloudFFI", path: localXCFramework)
    }
    guard !xcframeworkURL.isEmpty, !xcframeworkChecksum.isEmpty else {
        fatalError("""
            minicloud: this commit has no published MinicloudFFI.xcframework. Depend on a released version, or \
            build it with `bash scripts/build-apple.sh` (macOS with Xcode) in a checkout.
            """)
    }
    return .binaryTarget(name: "MinicloudFFI", url: xcframeworkURL, checksum: xcframeworkChecksum)
}

let package = Package(
    name: "Minicloud",
    platforms: [.iOS(.v13), .macOS(.v10_15)],
    products: [
        .library(name: "Minicloud", targets: ["Minicloud"]),
    ],
    targets: [
        ffiTarget(),
        .target(name: "Minicloud", dependencies: ["MinicloudFFI"], path: "bindings-uniffi/swift/Sources/Minicloud"),
        .testTarget(
            name: "MinicloudTests",
            dependencies: ["Minicloud"],
            path: "bindings-uniffi/swift/Tests/MinicloudTests"
        ),
    ]
)
