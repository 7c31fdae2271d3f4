"""The three journeys of the world, simulated: new connection, repair and home move.

Each simulator takes a batch of journeys of its type (their random draws, start times and
products) and returns their events and outcomes (:class:`journeylens.generate.world.Sim`); the
planted truths are written here, in the rules of each step.
"""

from __future__ import annotations

import numpy as np

from journeylens.generate.world import (
    ACTIV,
    APP,
    BACK,
    BILL,
    CHAT,
    CHURN_BASE,
    CUST,
    DAY,
    EMAIL,
    FIELD,
    FIELDCH,
    FRONT,
    GAP_LOGIT,
    HM,
    INCOMPLETE_SHARE,
    NC,
    OPEN,
    PHONE,
    PRODUCTS,
    RP,
    SALES,
    SCHED,
    SHOP,
    TEAMS,
    WEB,
    Ctx,
    Draws,
    Events,
    Sim,
    _nan,
    act,
    customer_time,
)

# --------------------------------------------------------------------------------------------
# New connection (~10 touchpoints)
# --------------------------------------------------------------------------------------------


def new_connection(ctx: Ctx, r: Draws, t0: np.ndarray, product: np.ndarray) -> Sim:
    cal, ro = ctx.cal, ctx.roster
    n = len(t0)
    ev = Events(n)
    # Order: web/app any time; phone and shop orders are taken by Sales in office hours.
    staffed = cal.is_staff_time(t0, margin=45.0)
    ch = np.where(
        staffed,
        np.array([WEB, APP, PHONE, SHOP])[r.choice("nc.ch.day", [0.35, 0.15, 0.25, 0.25])],
        np.array([WEB, APP])[r.choice("nc.ch.night", [0.7, 0.3])],
    ).astype(np.int8)
    by_sales = (ch == PHONE) | (ch == SHOP)
    form = r.lognormal("nc.order.form", 7.0, 0.5, cap=40.0)
    talk = r.lognormal("nc.order.proc", 14.0, 0.4, cap=40.0)
    o_start = t0 - np.where(by_sales, talk, form)
    o_end = t0.copy()
    ev.add(
        "Order placed",
        np.where(by_sales, SALES, CUST),
        o_start,
        o_end,
        np.where(by_sales, ro.pick(r.u("nc.order.res"), SALES), -1),
        ch,
    )
    s, e = ctx.staff(r, "nc.credit", o_end, 25.0, 0.9, 4.0, 0.45)
    ev.add("Credit check", SALES, s, e, ro.pick(r.u("nc.credit.res"), SALES))
    s, e_valid = ctx.staff(r, "nc.valid", e, 600.0, 0.5, 12.0, 0.4)
    ev.add("Order validated", BACK, s, e_valid, ro.pick(r.u("nc.valid.res"), BACK))
    incomplete = r.bernoulli("nc.incomplete", INCOMPLETE_SHARE)
    s, e = ctx.staff(r, "nc.ship", e_valid, 120.0, 0.7, 4.0, 0.4)
    ev.add("Equipment shipped", BACK, s, e, ro.pick(r.u("nc.ship.res"), BACK))
    s, e_sched = ctx.staff(r, "nc.sched", e_valid, 420.0, 0.55, 7.0, 0.4)
    scheduler = ro.pick(r.u("nc.sched.res"), SCHED)
    ev.add("Appointment scheduled", SCHED, s, e_sched, scheduler)
    c_start, c_end = ctx.staff(r, "nc.conf", e_sched, 2.0, 0.5, 0.5, 0.2)
    ev.add("Appointment confirmation sent", SCHED, c_start, c_end, scheduler, EMAIL)

    team = r.integers("nc.team", len(TEAMS))
    fibre = np.char.startswith(np.array(PRODUCTS)[product], "Fibre")
    visit_min = np.where(fibre, 105.0, 80.0)
    # Visit 1; fails when the order was incomplete or (team-dependent) for a technical reason.
    v1s, v1e = ctx.visit(r, "nc.v1", c_end, 3.3, visit_min)
    fail1 = incomplete | r.bernoulli("nc.v1.fail", ctx.fail_rate[team])
    tech = lambda k: ro.pick_in_team(r.u(f"nc.v{k}.res"), team)  # noqa: E731
    v1e = np.where(fail1, v1s + (v1e - v1s) * 0.5, v1e)
    ev.add(
        np.where(fail1, act("Technician visit failed"), act("Technician visit")),
        FIELD,
        v1s,
        v1e,
        tech(1),
        FIELDCH,
    )
    s, e_fix = ctx.staff(r, "nc.fix", v1e, 300.0, 0.6, 15.0, 0.4)
    ev.add(
        "Order details corrected", BACK, s, e_fix, ro.pick(r.u("nc.fix.res"), BACK), mask=incomplete
    )
    s, e_rs1 = ctx.staff(r, "nc.rs1", np.where(incomplete, e_fix, v1e), 240.0, 0.6, 7.0, 0.4)
    ev.add(
        "Appointment rescheduled", SCHED, s, e_rs1, ro.pick(r.u("nc.rs1.res"), SCHED), mask=fail1
    )
    v2s, v2e = ctx.visit(r, "nc.v2", e_rs1, 2.0, visit_min)
    fail2 = fail1 & r.bernoulli("nc.v2.fail", ctx.fail_rate[team])
    v2e = np.where(fail2, v2s + (v2e - v2s) * 0.5, v2e)
    ev.add(
        np.where(fail2, act("Technician visit failed"), act("Technician visit")),
        FIELD,
        v2s,
        v2e,
        tech(2),
        FIELDCH,
        mask=fail1,
    )
    s, e_rs2 = ctx.staff(r, "nc.rs2", v2e, 240.0, 0.6, 7.0, 0.4)
    ev.add(
        "Appointment rescheduled", SCHED, s, e_rs2, ro.pick(r.u("nc.rs2.res"), SCHED), mask=fail2
    )
    v3s, v3e = ctx.visit(r, "nc.v3", e_rs2, 2.0, visit_min)
    ev.add("Technician visit", FIELD, v3s, v3e, tech(3), FIELDCH, mask=fail2)
    done = np.where(fail2, v3e, np.where(fail1, v2e, v1e))

    s, e_act = ctx.staff(r, "nc.act", done, 240.0, 0.6, 8.0, 0.4)
    ev.add("Line activated", ACTIV, s, e_act, ro.pick(r.u("nc.act.res"), ACTIV))
    call = r.bernoulli("nc.welcome", 0.6)
    s, e = ctx.staff(r, "nc.welcome", e_act, 600.0, 0.6, 5.0, 0.5)
    e = np.where(call, e, s + 0.5)
    ev.add(
        np.where(call, act("Welcome call"), act("Welcome email sent")),
        FRONT,
        s,
        e,
        ro.pick(r.u("nc.welcome.res"), FRONT),
        np.where(call, PHONE, EMAIL),
    )
    s, e_bill = ctx.staff(r, "nc.bill", e_act, 3600.0, 0.35, 2.0, 0.3)
    ev.add("First bill issued", BILL, s, e_bill, ro.pick(r.u("nc.bill.res"), BILL), EMAIL)

    chases = ctx.chasing(
        r,
        ev,
        "nc.chase",
        "where",
        [
            (o_end + 2.0 * DAY, c_end, 0.35, True),
            (c_end, v1s, 0.04, True),
            (v1e, e_act, 0.30, fail1),
        ],
    )
    return Sim(
        events=ev,
        chases=chases,
        churn_p=np.full(n, CHURN_BASE[NC]),
        team=team,
        failed_visit=fail1,
        incomplete=incomplete,
        activated=e_act,
        gap_days=_nan(n),
    )


# --------------------------------------------------------------------------------------------
# Repair / complaint
# --------------------------------------------------------------------------------------------


def repair(ctx: Ctx, r: Draws, t0: np.ndarray, product: np.ndarray) -> Sim:
    ro = ctx.roster
    n = len(t0)
    ev = Events(n)
    fault = r.bernoulli("rp.fault", 0.75)
    ch = ctx.customer_channel(
        r,
        "rp.ch",
        t0,
        [(PHONE, 0.45), (APP, 0.15), (WEB, 0.15), (CHAT, 0.15), (EMAIL, 0.10)],
        [(APP, 0.45), (WEB, 0.40), (EMAIL, 0.15)],
    )
    dur = np.where(ch == EMAIL, 0.0, r.lognormal("rp.report.d", 6.0, 0.5, 40.0))
    ev.add(
        np.where(fault, act("Fault reported"), act("Billing complaint received")),
        CUST,
        t0 - dur,
        t0,
        -1,
        ch,
    )
    # Fault branch ------------------------------------------------------------------------
    s, e_diag = ctx.staff(r, "rp.diag", t0, 90.0, 0.7, 12.0, 0.45)
    ev.add("Fault diagnosed", FRONT, s, e_diag, ro.pick(r.u("rp.diag.res"), FRONT), mask=fault)
    remote = fault & r.bernoulli("rp.remote", 0.55)
    s, e_rem = ctx.staff(r, "rp.remote", e_diag, 240.0, 0.6, 15.0, 0.45)
    ev.add("Remote fix attempted", BACK, s, e_rem, ro.pick(r.u("rp.remote.res"), BACK), mask=remote)
    fixed_remote = remote & r.bernoulli("rp.remote.ok", 0.75)
    needs_visit = fault & ~fixed_remote
    s, e_disp = ctx.staff(r, "rp.disp", np.where(remote, e_rem, e_diag), 200.0, 0.6, 6.0, 0.4)
    ev.add(
        "Technician dispatched",
        SCHED,
        s,
        e_disp,
        ro.pick(r.u("rp.disp.res"), SCHED),
        mask=needs_visit,
    )
    team = r.integers("rp.team", len(TEAMS))
    tech = lambda k: ro.pick_in_team(r.u(f"rp.v{k}.res"), team)  # noqa: E731
    v1s, v1e = ctx.visit(r, "rp.v1", e_disp, 0.8, 70.0)
    fail1 = needs_visit & r.bernoulli("rp.v1.fail", ctx.fail_rate[team])
    v1e = np.where(fail1, v1s + (v1e - v1s) * 0.5, v1e)
    ev.add(
        np.where(fail1, act("Technician visit failed"), act("Technician visit")),
        FIELD,
        v1s,
        v1e,
        tech(1),
        FIELDCH,
        mask=needs_visit,
    )
    s, e_rs = ctx.staff(r, "rp.rs1", v1e, 200.0, 0.6, 7.0, 0.4)
    ev.add("Appointment rescheduled", SCHED, s, e_rs, ro.pick(r.u("rp.rs1.res"), SCHED), mask=fail1)
    v2s, v2e = ctx.visit(r, "rp.v2", e_rs, 0.8, 70.0)
    ev.add("Technician visit", FIELD, v2s, v2e, tech(2), FIELDCH, mask=fail1)
    fixed_at = np.where(fixed_remote, e_rem, np.where(fail1, v2e, v1e))
    s, e_conf = ctx.staff(r, "rp.conf", fixed_at, 240.0, 0.6, 5.0, 0.4)
    ev.add(
        "Resolution confirmed with customer",
        FRONT,
        s,
        e_conf,
        ro.pick(r.u("rp.conf.res"), FRONT),
        PHONE,
        mask=fault,
    )
    # Billing complaint branch --------------------------------------------------------------
    cpl = ~fault
    s, e_log = ctx.staff(r, "rp.log", t0, 60.0, 0.7, 8.0, 0.4)
    ev.add("Complaint logged", FRONT, s, e_log, ro.pick(r.u("rp.log.res"), FRONT), mask=cpl)
    s, e_inv = ctx.staff(r, "rp.inv", e_log, 720.0, 0.5, 25.0, 0.4)
    ev.add("Bill investigated", BILL, s, e_inv, ro.pick(r.u("rp.inv.res"), BILL), mask=cpl)
    credit = r.bernoulli("rp.credit", 0.65)
    s, e_dec = ctx.staff(r, "rp.dec", e_inv, 120.0, 0.6, 6.0, 0.4)
    ev.add(
        np.where(credit, act("Credit note issued"), act("Complaint rejected")),
        BILL,
        s,
        e_dec,
        ro.pick(r.u("rp.dec.res"), BILL),
        mask=cpl,
    )
    by_mail = r.bernoulli("rp.inform.mail", 0.6)
    s, e_inf = ctx.staff(r, "rp.inform", e_dec, 300.0, 0.6, 5.0, 0.4)
    ev.add(
        "Customer informed of outcome",
        FRONT,
        s,
        e_inf,
        ro.pick(r.u("rp.inform.res"), FRONT),
        np.where(by_mail, EMAIL, PHONE),
        mask=cpl,
    )
    s, e_cb = ctx.staff(r, "rp.cbill", e_dec, 1800.0, 0.5, 2.0, 0.3)
    ev.add(
        "Corrected bill issued",
        BILL,
        s,
        e_cb,
        ro.pick(r.u("rp.cbill.res"), BILL),
        EMAIL,
        mask=cpl & credit,
    )
    resolved = np.where(fault, e_conf, e_inf)
    chases = ctx.chasing(
        r,
        ev,
        "rp.chase",
        "fix",
        [(t0 + np.where(fault, 1.0, 3.0) * DAY, resolved, 0.30, True)],
    )
    return Sim(
        events=ev,
        chases=chases,
        churn_p=np.full(n, CHURN_BASE[RP]),
        team=np.where(needs_visit, team, -1),
        failed_visit=fail1,
        incomplete=np.zeros(n, dtype=bool),
        activated=_nan(n),
        gap_days=_nan(n),
    )


# --------------------------------------------------------------------------------------------
# Home move (~19 touchpoints)
# --------------------------------------------------------------------------------------------


def home_move(ctx: Ctx, r: Draws, t0: np.ndarray, product: np.ndarray) -> Sim:
    cal, ro = ctx.cal, ctx.roster
    n = len(t0)
    ev = Events(n)
    ch = ctx.customer_channel(
        r,
        "hm.ch",
        t0,
        [(WEB, 0.35), (APP, 0.15), (PHONE, 0.35), (CHAT, 0.15)],
        [(WEB, 0.7), (APP, 0.3)],
    )
    dur = r.lognormal("hm.report.d", 8.0, 0.5, 40.0)
    ev.add("Customer reports move", CUST, t0 - dur, t0, -1, ch)
    # The move date the customer asks for: two to eight weeks ahead.
    move_day = np.floor(t0 / DAY + 12.0 + r.lognormal("hm.lead", 16.0, 0.45, cap=45.0)) * DAY

    s, e = ctx.staff(r, "hm.reg", t0, 120.0, 0.7, 6.0, 0.4)
    ev.add("Move request registered", FRONT, s, e, ro.pick(r.u("hm.reg.res"), FRONT))
    s, e = ctx.staff(r, "hm.addr", e, 540.0, 0.5, 10.0, 0.4)
    ev.add("Address checked at new address", BACK, s, e, ro.pick(r.u("hm.addr.res"), BACK))
    s, e = ctx.staff(r, "hm.contract", e, 240.0, 0.6, 9.0, 0.4)
    ev.add("Contract updated for new address", SALES, s, e, ro.pick(r.u("hm.contract.res"), SALES))
    s, e_mo = ctx.staff(r, "hm.order", e, 300.0, 0.6, 12.0, 0.4)
    ev.add("Move order created", BACK, s, e_mo, ro.pick(r.u("hm.order.res"), BACK))
    by_mail = r.bernoulli("hm.confirm.mail", 0.6)
    s, e = ctx.staff(r, "hm.confirm", e_mo, 240.0, 0.6, 5.0, 0.4)
    e = np.where(by_mail, s + 0.5, e)
    ev.add(
        "Move date confirmed",
        FRONT,
        s,
        e,
        ro.pick(r.u("hm.confirm.res"), FRONT),
        np.where(by_mail, EMAIL, PHONE),
    )
    s, e_sched = ctx.staff(r, "hm.sched", e_mo, 420.0, 0.55, 7.0, 0.4)
    scheduler = ro.pick(r.u("hm.sched.res"), SCHED)
    ev.add("Appointment scheduled", SCHED, s, e_sched, scheduler)
    c_start, c_end = ctx.staff(r, "hm.conf", e_sched, 2.0, 0.5, 0.5, 0.2)
    ev.add("Appointment confirmation sent", SCHED, c_start, c_end, scheduler, EMAIL)
    s, e = ctx.staff(r, "hm.ship", e_mo, 300.0, 0.7, 4.0, 0.4)
    ev.add("Equipment shipped", BACK, s, e, ro.pick(r.u("hm.ship.res"), BACK))

    # Old service ends on (the first working day from) the move date.
    s, e_old = ctx.staff(
        r, "hm.end", cal.first_workday_on_or_after(move_day) + OPEN, 90.0, 0.6, 6.0, 0.4
    )
    ev.add("Service ended at old address", ACTIV, s, e_old, ro.pick(r.u("hm.end.res"), ACTIV))
    # The visit at the new address is planned around the move date: on time for some, days
    # late for others (capacity), never before the appointment was scheduled plus two days.
    on_time = r.bernoulli("hm.ontime", 0.45)
    before = r.integers("hm.before", 3)  # 0-2 working days before the move
    late = 1 + np.floor(r.lognormal("hm.late", 2.5, 0.75, cap=25.0)).astype(np.int64)
    anchor = cal.first_workday_on_or_after(move_day)
    planned = np.where(
        on_time,
        cal.workdays[np.maximum(cal.rank[cal.day(anchor)] - before, 0)] * DAY,
        cal.workday_after(anchor, late),
    )
    earliest = cal.workday_after(c_end, np.full(n, 2))
    day_v = np.maximum(planned, earliest)
    team = r.integers("hm.team", len(TEAMS))
    tech = lambda k: ro.pick_in_team(r.u(f"hm.v{k}.res"), team)  # noqa: E731
    fibre = np.char.startswith(np.array(PRODUCTS)[product], "Fibre")
    visit_min = np.where(fibre, 100.0, 75.0)
    morning = r.u("hm.v1.slot") < 0.55
    v1s = day_v + np.where(morning, OPEN + r.u("hm.v1.m") * 150.0, 780.0 + r.u("hm.v1.a") * 110)
    v1e = v1s + np.minimum(r.lognormal("hm.v1.proc", 1.0, 0.3, cap=1.8) * visit_min, 175.0)
    fail1 = r.bernoulli("hm.v1.fail", ctx.fail_rate[team])
    v1e = np.where(fail1, v1s + (v1e - v1s) * 0.5, v1e)
    ev.add(
        np.where(fail1, act("Technician visit failed"), act("Technician visit")),
        FIELD,
        v1s,
        v1e,
        tech(1),
        FIELDCH,
    )
    s, e_rs = ctx.staff(r, "hm.rs1", v1e, 240.0, 0.6, 7.0, 0.4)
    ev.add("Appointment rescheduled", SCHED, s, e_rs, ro.pick(r.u("hm.rs1.res"), SCHED), mask=fail1)
    v2s, v2e = ctx.visit(r, "hm.v2", e_rs, 2.0, visit_min)
    ev.add("Technician visit", FIELD, v2s, v2e, tech(2), FIELDCH, mask=fail1)
    done = np.where(fail1, v2e, v1e)
    s, e_new = ctx.staff(r, "hm.start", done, 90.0, 0.6, 8.0, 0.4)
    ev.add("Service started at new address", ACTIV, s, e_new, ro.pick(r.u("hm.start.res"), ACTIV))
    gap = (e_new - e_old) / DAY

    s, e_fb = ctx.staff(r, "hm.final", e_old, 1800.0, 0.5, 3.0, 0.3)
    ev.add(
        "Final bill old address issued", BILL, s, e_fb, ro.pick(r.u("hm.final.res"), BILL), EMAIL
    )
    returned = r.bernoulli("hm.return", 0.7)
    t_ret = customer_time(e_old + r.lognormal("hm.return.t", 5.0 * DAY, 0.6, cap=30 * DAY))
    ev.add("Old equipment returned", CUST, t_ret - 5.0, t_ret, -1, SHOP, mask=returned)
    s, e_wc = ctx.staff(r, "hm.welcome", e_new, 900.0, 0.6, 5.0, 0.5)
    ev.add(
        "Welcome call at new address", FRONT, s, e_wc, ro.pick(r.u("hm.welcome.res"), FRONT), PHONE
    )
    s, e_ba = ctx.staff(r, "hm.baddr", e_new, 600.0, 0.6, 4.0, 0.4)
    ev.add("Billing address updated", BILL, s, e_ba, ro.pick(r.u("hm.baddr.res"), BILL))
    wrong = r.bernoulli("hm.wrongbill", 0.25)
    s, e_b1 = ctx.staff(r, "hm.bill", e_ba, 3600.0, 0.35, 2.0, 0.3)
    ev.add(
        np.where(
            wrong,
            act("Incorrect bill at new address issued"),
            act("First correct bill at new address"),
        ),
        BILL,
        s,
        e_b1,
        ro.pick(r.u("hm.bill.res"), BILL),
        EMAIL,
    )
    t_c = customer_time(e_b1 + r.lognormal("hm.cpl.t", 1.5 * DAY, 0.6, cap=10 * DAY))
    ch_c = np.array([PHONE, EMAIL, CHAT])[r.choice("hm.cpl.ch", [0.55, 0.25, 0.2])]
    d_c = np.where(ch_c == EMAIL, 0.0, r.lognormal("hm.cpl.d", 7.0, 0.5, 30.0))
    ev.add("Customer complaint: incorrect bill", CUST, t_c - d_c, t_c, -1, ch_c, mask=wrong)
    s, e_bc = ctx.staff(r, "hm.bcorr", t_c, 900.0, 0.5, 12.0, 0.4)
    ev.add("Bill corrected", BILL, s, e_bc, ro.pick(r.u("hm.bcorr.res"), BILL), mask=wrong)
    s, e_b2 = ctx.staff(r, "hm.bill2", e_bc, 300.0, 0.5, 2.0, 0.3)
    ev.add(
        "First correct bill at new address",
        BILL,
        s,
        e_b2,
        ro.pick(r.u("hm.bill2.res"), BILL),
        EMAIL,
        mask=wrong,
    )
    chases = ctx.chasing(
        r,
        ev,
        "hm.chase",
        "where",
        [
            (t0 + 4.0 * DAY, c_end, 0.25, True),
            (np.maximum(e_old, c_end), e_new, 0.45, True),
        ],
    )
    a, b = GAP_LOGIT
    churn_p = 1.0 / (1.0 + np.exp(-(a + b * np.maximum(gap, 0.0))))
    return Sim(
        events=ev,
        chases=chases,
        churn_p=churn_p,
        team=team,
        failed_visit=fail1,
        incomplete=np.zeros(n, dtype=bool),
        activated=_nan(n),
        gap_days=gap,
    )


SIMULATORS = {NC: new_connection, RP: repair, HM: home_move}
