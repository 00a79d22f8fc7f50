//! The files in `deploy/` are checked by the tools that will read them: the systemd unit by
//! `systemd-analyze verify` (which would otherwise only warn at the server, after an install).

use std::path::Path;
use std::process::Command;

/// `systemd-analyze verify` on `deploy/sharecare.service`, with its `ExecStart` pointed at the
/// binary this build made (verify insists the program exists). Every other line is the unit's
/// own; systemd's warnings (an unknown option, a bad value) fail the test as errors do.
#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        // Said in the output, never silently: the machine has no systemd.
        eprintln!(
            "SKIPPED the_systemd_unit_passes_systemd_analyze_verify: no systemd-analyze here"
        );
        return;
    }
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/sharecare.service"),
    )
    .unwrap();
    let exec_start = unit
        .lines()
        .find(|line| line.starts_with("ExecStart="))
        .expect("the unit starts something");
    assert_eq!(exec_start, "ExecStart=/opt/sharecare/bin/sharecare");
    for option in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "StateDirectory=sharecare",
        "EnvironmentFile=/etc/sharecare/sharecare.env",
    ] {
        assert!(unit.lines().any(|line| line == option), "{option}");
    }
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join("sharecare.service");
    std::fs::write(
        &copy,
        unit.replace(
            exec_start,
            &format!("ExecStart={}", env!("CARGO_BIN_EXE_sharecare")),
        ),
    )
    .unwrap();
    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&copy)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{said}");
    assert_eq!(
        said.trim(),
        "",
        "systemd-analyze has something to say about the unit"
    );
}
