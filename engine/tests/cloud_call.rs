//! Cloud call (云调用) in the local engine: WeChat-style functions using the engine's
//! `wx-server-sdk` stand-in — open APIs and their permissions, the outbox, getWXContext from
//! every kind of caller, callFunction chains, timer triggers and pushed messages.

mod common;

use common::*;
use minicloud_engine::{EngineConfig, JobRecord, JobStatus};
use serde_json::{json, Value};
use std::time::Duration;

/// An engine over the cloud fixtures, timer triggers off (the `tick` fixture would fire every second).
async fn start_cloud() -> Harness {
    start(EngineConfig::new(cloud_fixtures()).admin_token(ADMIN).timer_triggers(false)).await
}

/// Signs in through WeChat silent login; returns (token, openid, unionid).
async fn wechat_user(h: &Harness) -> (String, String, String) {
    let code = format!("c{}", rand_suffix());
    let r = h.post_client("/hserve/v2.5/idp/wechat/silent-login/", None, json!({"code": code})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let s = |k: &str| r.body["user_info"][k].as_str().unwrap().to_string();
    (r.body["token"].as_str().unwrap().to_string(), s("openid"), s("unionid"))
}

/// Invokes `name` as a signed-in WeChat user; returns the function's data (asserting success) and the openid.
async fn client_call(h: &Harness, name: &str, data: Value) -> (Value, String) {
    let (token, openid, _) = wechat_user(h).await;
    let r = h.invoke(&token, json!({"function_name": name, "data": data})).await;
    assert_eq!(r.body["code"], 0, "{}", r.text);
    (r.body["data"].clone(), openid)
}

async fn wx_access_token(h: &Harness) -> String {
    let r = h
        .send(h.http.post(h.url("/cgi-bin/stable_token")).json(&json!({
            "grant_type": "client_credential", "appid": "wx-minicloud-local",
            "secret": "minicloud-local-secret", "force_refresh": false
        })))
        .await;
    r.body["access_token"].as_str().unwrap().to_string()
}

/// Polls the job records (at most `bound`) for the first one of `function` that has finished.
async fn wait_for_finished_job(h: &Harness, function: &str, bound: Duration) -> Option<JobRecord> {
    let deadline = tokio::time::Instant::now() + bound;
    while tokio::time::Instant::now() < deadline {
        if let Some(j) = h.engine.jobs().into_iter().find(|j| j.function_name == function && j.status.is_final()) {
            return Some(j);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

// ---------- open APIs and permissions ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_template_message_send_answers_ok() {
    let h = start_cloud().await;
    let (data, _) = client_call(&h, "sendTemplate", json!({})).await;
    assert_eq!(data, json!({"errCode": 0, "errMsg": "openapi.templateMessage.send:ok"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeclared_template_message_send_rejects_with_604101() {
    let h = start_cloud().await;
    let (data, _) = client_call(&h, "sendTemplateNoPermission", json!({})).await;
    assert_eq!(data["errCode"], -604101, "{data}");
    assert_eq!(data["errMsg"], "openapi.templateMessage.send:fail -604101 function has no permission to call this API");
    assert_eq!(data["isError"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_records_api_arguments_function_and_openid() {
    let h = start_cloud().await;
    let (_, openid) = client_call(&h, "sendTemplate", json!({})).await;
    let outbox = h.engine.outbox();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    let e = &outbox[0];
    assert_eq!((e.api.as_str(), e.function_name.as_str()), ("templateMessage.send", "sendTemplate"));
    assert_eq!(e.openid.as_deref(), Some(openid.as_str()));
    assert_eq!(e.args["touser"], openid);
    assert_eq!(e.args["templateId"], "TEMPLATE_ID");
    assert_eq!(e.args["data"]["keyword3"]["value"], "腾讯微信总部");
    assert_eq!((e.err_code, e.source.as_str()), (0, "wx_client"));
    assert!(h.engine.job(&e.job_id).is_some_and(|j| j.function_name == "sendTemplate"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_endpoint_lists_calls_including_refused_ones() {
    let h = start_cloud().await;
    client_call(&h, "sendTemplate", json!({})).await;
    client_call(&h, "sendTemplateNoPermission", json!({})).await;
    let r = h.send(h.admin(reqwest::Method::GET, "/dev/v1/openapi/outbox")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let objects = r.body["objects"].as_array().unwrap();
    let summary: Vec<(Value, Value)> =
        objects.iter().map(|o| (o["function_name"].clone(), o["err_code"].clone())).collect();
    assert_eq!(summary, [(json!("sendTemplate"), json!(0)), (json!("sendTemplateNoPermission"), json!(-604101))]);
    assert_eq!(r.body["meta"]["total_count"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_endpoint_needs_the_admin_token() {
    let h = start_cloud().await;
    let r = h.send(h.http.get(h.url("/dev/v1/openapi/outbox"))).await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_open_api_rejects_with_api_not_found() {
    let h = start_cloud().await;
    let (data, _) = client_call(&h, "openapiCall", json!({"api": "nope.missing", "args": {}})).await;
    assert_eq!(
        data["caught"],
        json!({"errCode": -604100, "errMsg": "openapi.nope.missing:fail -604100 API not found"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_api_missing_argument_gets_wechat_business_error() {
    let h = start_cloud().await;
    let args = json!({"touser": "o1", "templateId": "T"});
    let (data, _) = client_call(&h, "openapiCall", json!({"api": "templateMessage.send", "args": args})).await;
    assert_eq!(data["caught"]["errCode"], 41028, "{data}");
    assert!(data["caught"]["errMsg"].as_str().unwrap().contains("formId"), "{data}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wxacode_get_unlimited_returns_a_png_buffer() {
    let h = start_cloud().await;
    let (data, _) =
        client_call(&h, "openapiCall", json!({"api": "wxacode.getUnlimited", "args": {"scene": "id=1"}})).await;
    assert_eq!(data["errMsg"], "openapi.wxacode.getUnlimited:ok", "{data}");
    assert_eq!(data["contentType"], "image/png");
    assert_eq!(data["buffer"]["isBuffer"], true);
    assert_eq!(data["buffer"]["head"], "89504e470d0a1a0a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msg_sec_check_v2_answers_pass() {
    let h = start_cloud().await;
    let args = json!({"content": "hello", "version": 2, "scene": 1, "openid": "o1"});
    let (data, _) = client_call(&h, "openapiCall", json!({"api": "security.msgSecCheck", "args": args})).await;
    assert_eq!(data["errCode"], 0, "{data}");
    assert_eq!(data["result"], json!({"suggest": "pass", "label": 100}));
}

// ---------- getWXContext and event.userInfo ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wx_context_of_a_client_call_carries_the_users_openid() {
    let h = start_cloud().await;
    let (token, openid, unionid) = wechat_user(&h).await;
    let r = h.invoke(&token, json!({"function_name": "whoami", "data": {"a": 1}})).await;
    let ctx = &r.body["data"]["wxContext"];
    assert_eq!(ctx["OPENID"], openid, "{}", r.text);
    assert_eq!(ctx["UNIONID"], unionid);
    assert_eq!(ctx["APPID"], "wx-minicloud-local");
    assert_eq!(ctx["ENV"], "minicloud-local");
    assert_eq!(ctx["SOURCE"], "wx_client");
    assert_eq!(ctx["CLIENTIP"], "127.0.0.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_user_info_of_a_client_call_carries_the_users_openid() {
    let h = start_cloud().await;
    let (data, openid) = client_call(&h, "whoami", json!({"a": 1})).await;
    assert_eq!(data["event"]["a"], 1);
    assert_eq!(data["event"]["userInfo"], json!({"appId": "wx-minicloud-local", "openId": openid}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wx_context_of_an_http_api_call_is_wx_http_without_openid() {
    // The public default WeChat secret counts as anonymous: allowed here (access.rs tests the rule).
    let h =
        start(EngineConfig::new(cloud_fixtures()).admin_token(ADMIN).timer_triggers(false).allow_anonymous(true)).await;
    let t = wx_access_token(&h).await;
    let r = h
        .send(
            h.http
                .post(h.url(&format!("/tcb/invokecloudfunction?access_token={t}&env=minicloud-local&name=whoami")))
                .body("{}"),
        )
        .await;
    assert_eq!(r.body["errcode"], 0, "{}", r.text);
    let data: Value = serde_json::from_str(r.body["resp_data"].as_str().unwrap()).unwrap();
    assert_eq!(data["wxContext"]["SOURCE"], "wx_http");
    assert_eq!(data["wxContext"]["OPENID"], Value::Null);
    assert_eq!(data["event"]["userInfo"], json!({"appId": "wx-minicloud-local"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timer_trigger_fires_with_wx_trigger_source_and_timer_event() {
    let h = start(EngineConfig::new(cloud_fixtures()).admin_token(ADMIN)).await;
    let job = wait_for_finished_job(&h, "tick", Duration::from_secs(20)).await.expect("the every-second trigger fired");
    assert_eq!(job.status, JobStatus::Fulfilled, "{job:?}");
    assert_eq!(job.source, "wx_trigger");
    let data = &job.result.as_ref().unwrap()["data"];
    assert_eq!(data["wxContext"]["SOURCE"], "wx_trigger");
    assert_eq!(data["wxContext"]["OPENID"], Value::Null);
    assert_eq!(data["event"]["Type"], "Timer");
    assert_eq!(data["event"]["TriggerName"], "everySecond");
    let time = data["event"]["Time"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok() && time.ends_with('Z'), "{time}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timer_triggers_do_not_fire_when_disabled() {
    let h = start_cloud().await;
    // Another engine with triggers on proves a firing happens within the bound.
    let on = start(EngineConfig::new(cloud_fixtures()).admin_token(ADMIN)).await;
    assert!(wait_for_finished_job(&on, "tick", Duration::from_secs(20)).await.is_some());
    assert!(h.engine.jobs().iter().all(|j| j.function_name != "tick"));
}

// ---------- callFunction ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_function_chains_source_and_keeps_the_users_openid() {
    let h = start_cloud().await;
    let (data, openid) = client_call(&h, "caller", json!({"name": "whoami", "data": {"x": 2}})).await;
    assert_eq!(data["own"]["SOURCE"], "wx_client", "{data}");
    let res = &data["res"];
    assert_eq!(res["errMsg"], "callFunction:ok");
    assert_eq!(res["result"]["wxContext"]["SOURCE"], "wx_client,scf");
    assert_eq!(res["result"]["wxContext"]["OPENID"], openid);
    assert_eq!(res["result"]["event"]["x"], 2);
    let callee = h.engine.job(res["requestID"].as_str().unwrap()).expect("the callee is a recorded job");
    assert_eq!((callee.function_name.as_str(), callee.source.as_str()), ("whoami", "wx_client,scf"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_function_to_a_failing_function_rejects_with_504002() {
    let h = start_cloud().await;
    let (data, _) = client_call(&h, "caller", json!({"name": "throwsWx"})).await;
    assert_eq!(data["caught"]["errCode"], -504002, "{data}");
    let msg = data["caught"]["errMsg"].as_str().unwrap();
    assert!(msg.starts_with("callFunction:fail -504002 functions execute fail: boom from throwsWx"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_function_to_a_missing_function_rejects_with_501000() {
    let h = start_cloud().await;
    let (data, _) = client_call(&h, "caller", json!({"name": "noSuchFunction"})).await;
    assert_eq!(data["caught"]["errCode"], -501000, "{data}");
    assert!(data["caught"]["errMsg"].as_str().unwrap().contains("noSuchFunction"), "{data}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_function_without_a_name_rejects_with_501007() {
    let h = start_cloud().await;
    let (data, _) = client_call(&h, "caller", json!({})).await;
    assert_eq!(data["caught"]["errCode"], -501007, "{data}");
    assert!(data["caught"]["errMsg"].as_str().unwrap().contains("name is required"), "{data}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_function_recursion_stops_at_the_depth_limit() {
    let h = start(EngineConfig::new(cloud_fixtures()).admin_token(ADMIN).timer_triggers(false).pool_size(16)).await;
    // caller → caller → ... each passing the same request on; the innermost refusal surfaces as a failure.
    let mut data = json!({"name": "whoami"});
    for _ in 0..=minicloud_engine::MAX_CALL_DEPTH {
        data = json!({"name": "caller", "data": data});
    }
    let (out, _) = client_call(&h, "caller", data).await;
    let mut node = &out;
    let mut depth = 0;
    while node["res"]["result"].is_object() {
        node = &node["res"]["result"];
        depth += 1;
    }
    assert_eq!(node["caught"]["errCode"], -501001, "{out}");
    assert_eq!(depth, minicloud_engine::MAX_CALL_DEPTH);
}

// ---------- message push ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_text_message_reaches_its_function_as_the_event() {
    let h = start_cloud().await;
    let msg = json!({"FromUserName": "o-sender", "MsgType": "text", "Content": "测试"});
    let r = h.send(h.admin(reqwest::Method::POST, "/dev/v1/message-push").json(&msg)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["function_name"], "onMessage");
    let data = &r.body["result"]["data"];
    assert_eq!(data["reply"], "success", "{}", r.text);
    assert_eq!(data["event"]["Content"], "测试");
    assert_eq!(data["event"]["ToUserName"], "wx-minicloud-local");
    assert_eq!(data["wxContext"]["OPENID"], "o-sender");
    assert_eq!(data["wxContext"]["SOURCE"], "wx_message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_message_reply_lands_in_the_outbox() {
    let h = start_cloud().await;
    let msg = json!({"FromUserName": "o-sender", "MsgType": "text", "Content": "hi"});
    let r = h.send(h.admin(reqwest::Method::POST, "/dev/v1/message-push").json(&msg)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let outbox = h.engine.outbox();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].api, "customerServiceMessage.send");
    assert_eq!(outbox[0].args, json!({"touser": "o-sender", "msgtype": "text", "text": {"content": "收到"}}));
    assert_eq!(outbox[0].source, "wx_message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_message_no_function_receives_is_404() {
    let h = start_cloud().await;
    let msg = json!({"FromUserName": "o-sender", "MsgType": "image", "PicUrl": "http://x/y.png"});
    let r = h.send(h.admin(reqwest::Method::POST, "/dev/v1/message-push").json(&msg)).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(r.error_msg().contains("no function receives image messages"), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_message_without_from_user_name_is_400() {
    let h = start_cloud().await;
    let r = h.send(h.admin(reqwest::Method::POST, "/dev/v1/message-push").json(&json!({"MsgType": "text"}))).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.error_msg().contains("FromUserName"), "{}", r.text);
}

// ---------- functions' own packages ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_function_uses_its_own_node_modules_package() {
    let h = start_cloud().await;
    let (data, _) = client_call(&h, "wxOwnModule", json!({"name": "allen"})).await;
    assert_eq!(data, "hello allen via wx_client (from wx-greeting)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_shipping_its_own_wx_server_sdk_gets_its_own() {
    let h = start_cloud().await;
    let (data, _) = client_call(&h, "wxOwnSdk", json!({})).await;
    assert_eq!(data["sdk"], "the function's own wx-server-sdk");
}
