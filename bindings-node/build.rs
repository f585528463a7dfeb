//! Sets up linking of the Node-API addon (undefined napi symbols are resolved by Node at load time).

fn main() {
    napi_build::setup();
}
