/** The generated fleet of the check-in benchmark (shared by the server child and profiling scripts). */

/** A realistic policy: Policy CSP integers and strings, and a few other CSPs' values. */
export function benchPolicyConfig(settings: number): Record<string, string | number> {
  const config: Record<string, string | number> = {};
  const areas = ['DeviceLock', 'Defender', 'Update', 'Browser', 'Experience', 'Security', 'Privacy', 'Start', 'Connectivity', 'System'];
  for (let i = 0; i < settings; i++) {
    const area = areas[i % areas.length]!;
    if (i % 5 === 4) config[`./Device/Vendor/MSFT/Personalization/Setting${i}`] = `https://cdn.example.com/assets/${i}.jpg`;
    else config[`./Device/Vendor/MSFT/Policy/Config/${area}/Setting${i}`] = i % 3 === 0 ? String(i % 7) : i % 11;
  }
  return config;
}

export function winIdOf(i: number): string {
  return `BENCH-${String(i).padStart(5, '0')}`;
}
