# SPDX-License-Identifier: BSD-3-Clause
# gnuplot template for scripts/bench-compare.sh; summarize.py prepends:
#   outfile, npanels, and per panel i: dat<i> (data file), title<i>, lim<i>
#   (1 when the data has a raw crypto-limit column to draw).
# Data columns: 1 size label, 2-4 ipsec-secgw median/min/max,
# 5-7 ipsecgw median/min/max, 8-10 crypto limit, 11 ratio label, 12 top.
set terminal pngcairo size (npanels * 620 + 60), 520 font "sans,10"
set output outfile
set datafile missing "NaN"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "Mpps (packets/s leaving the gateway)"
set xlabel "frame size (Ethernet, incl. FCS)"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set grid ytics
set key top right
set multiplot layout 1, npanels title \
  "ipsecgw vs DPDK 22.11 ipsec-secgw: AES-256-GCM tunnel, one worker lcore, 2-vCPU VM\n" . \
  "bars: median of rounds, whiskers: min..max, label: ipsecgw / ipsec-secgw"
do for [i = 1:npanels] {
	dat = value(sprintf("dat%d", i))
	set title value(sprintf("title%d", i))
	if (value(sprintf("lim%d", i))) {
		plot dat using 2:3:4:xtic(1) title "ipsec-secgw (cpu-crypto)" lc rgb "#9a9a9a", \
		     '' using 5:6:7 title "ipsecgw" lc rgb "#1f77b4", \
		     '' using 8:9:10 title "raw AES-GCM limit, one core" lc rgb "#2ca02c", \
		     '' using 0:12:11 with labels offset 0,0.9 font ",10" notitle
	} else {
		plot dat using 2:3:4:xtic(1) title "ipsec-secgw (cpu-crypto)" lc rgb "#9a9a9a", \
		     '' using 5:6:7 title "ipsecgw" lc rgb "#1f77b4", \
		     '' using 0:12:11 with labels offset 0,0.9 font ",10" notitle
	}
}
unset multiplot
