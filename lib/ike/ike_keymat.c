/* SPDX-License-Identifier: BSD-3-Clause */
extern int gw_placeholder_ike_keymat;
