package licensor

import (
	"crypto/sha256"
	"encoding/hex"
	"runtime"
	"testing"
)

func TestHashMachineID(t *testing.T) {
	sum := sha256.Sum256([]byte("DESKTOP:3d1214ab"))
	if got := hashMachineID("DESKTOP", "3d1214ab"); got != hex.EncodeToString(sum[:]) {
		t.Errorf("hashMachineID = %s", got)
	}
}

func TestHardwareIDHere(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		t.Skip("no machine id source on " + runtime.GOOS)
	}
	a, err := HardwareID("A")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := HardwareID("B")
	again, _ := HardwareID("A")
	if len(a) != 64 || a == b || a != again {
		t.Errorf("HardwareID: %s, %s, %s", a, b, again)
	}
}

func TestParseMachineIDSources(t *testing.T) {
	ioreg := `+-o Mac  <class IOPlatformExpertDevice, id 0x100000110, registered, matched, active, busy 0 (1 ms), retain 28>
    {
      "IOPlatformSerialNumber" = "C02XXXX"
      "IOPlatformUUID" = "564D5A1B-1F2E-4A3B-9C8D-0123456789AB"
      "IOPolledInterface" = "AppleSmartBatteryManager"
    }`
	if id, err := parseIoreg(ioreg); err != nil || id != "564D5A1B-1F2E-4A3B-9C8D-0123456789AB" {
		t.Errorf("parseIoreg = %q, %v", id, err)
	}
	if _, err := parseIoreg(`"IOPlatformSerialNumber" = "C02"`); err == nil {
		t.Error("parseIoreg without the UUID succeeded")
	}
	reg := "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n    MachineGuid    REG_SZ    6d2e0c56-1f4b-4a9e-8c3d-7e2f1a0b9c8d\r\n\r\n"
	if id, err := parseRegQuery(reg); err != nil || id != "6d2e0c56-1f4b-4a9e-8c3d-7e2f1a0b9c8d" {
		t.Errorf("parseRegQuery = %q, %v", id, err)
	}
	if _, err := parseRegQuery("ERROR: The system was unable to find the specified registry key or value."); err == nil {
		t.Error("parseRegQuery of an error succeeded")
	}
	if id, err := parseMachineIDFile([]byte("3d1214ab\n")); err != nil || id != "3d1214ab" {
		t.Errorf("parseMachineIDFile = %q, %v", id, err)
	}
	if _, err := parseMachineIDFile([]byte(" \n")); err == nil {
		t.Error("an empty machine-id was accepted")
	}
}
