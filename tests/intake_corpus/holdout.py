"""A held-out probe of the R-IN-2 rules: 67 requests written from the rule text alone, before the parser
was run on any of them (first run: 66/67 verdicts and exact problem sets, 14/14 districts; the miss, a
mobile written 0086-137-1111-2222 read as a landline with extension 2222, was then fixed). Kept as a
regression test."""

from __future__ import annotations

H = "广东省广州市"
CAT = ["KFR-35GW/BpR3", "KFR-26GW/N1", "KFR-72LW/A1", "BCD-470WDPG", "XQG100-B14876", "JSQ30-16WT5"]
OK = dict(
    name="孙女士",
    phone="13711112222",
    address="广州市越秀区东风中路300号",
    hint=H,
    model="KFR-26GW/N1",
    date="2022-08-08",
    symptom="制热效果差",
    service="repair",
)
CASES = [
    # phones
    ({"phone": "137 1111 2222"}, [], ("广东省", "广州市", "越秀区")),
    ({"phone": "+86 (137) 1111-2222"}, [], None),
    ({"phone": "0086-137-1111-2222"}, [], None),
    ({"phone": "１３７－１１１１－２２２２"}, [], None),
    ({"phone": "020 3866 1234"}, [], None),
    ({"phone": "0755-2345 6789"}, [], None),
    ({"phone": "400 600 8888"}, [], None),
    ({"phone": "38661234"}, ["phone.invalid"], None),
    ({"phone": "1371111222"}, ["phone.invalid"], None),
    ({"phone": "没有电话"}, ["phone.invalid"], None),
    ({"phone": ""}, ["phone.missing"], None),
    ({"phone": "137111122223"}, ["phone.invalid"], None),
    # names
    ({"name": "钱女士"}, [], None),
    ({"name": "老李"}, [], None),
    ({"name": "不详"}, ["customer_name.placeholder"], None),
    ({"name": "88888"}, ["customer_name.placeholder"], None),
    ({"name": "用户"}, ["customer_name.placeholder"], None),
    ({"name": ""}, ["customer_name.missing"], None),
    ({"name": "", "phone": ""}, ["customer_name.missing", "phone.missing"], None),  # reject
    ({"name": "未知", "phone": "123"}, ["customer_name.placeholder", "phone.invalid"], None),  # reject
    # addresses
    ({"address": "越秀 北京路168号"}, [], ("广东省", "广州市", "越秀区")),
    ({"address": "海珠 江南西路 1号"}, [], ("广东省", "广州市", "海珠区")),
    ({"address": "南京市玄武区中山东路18号"}, [], ("江苏省", "南京市", "玄武区")),
    ({"address": "上海 黄浦区 南京东路100号"}, [], ("上海市", "上海市", "黄浦区")),
    ({"address": "重庆渝北区新牌坊一路2号"}, [], ("重庆市", "重庆市", "渝北区")),
    ({"address": "福田区深南中路1号"}, [], ("广东省", "深圳市", "福田区")),
    ({"address": "江宁区双龙大道1号"}, [], ("江苏省", "南京市", "江宁区")),
    ({"address": "昆山市前进西路1号"}, [], ("江苏省", "苏州市", "昆山市")),
    ({"address": "鼓楼区湖东路1号", "hint": "福建省福州市"}, [], ("福建省", "福州市", "鼓楼区")),
    ({"address": "朝阳区望京街1号", "hint": "北京市"}, [], ("北京市", "北京市", "朝阳区")),
    ({"address": "朝阳区望京街1号"}, ["address.ambiguous_district"], None),
    ({"address": "新城区解放路1号"}, ["address.ambiguous_district"], None),
    ({"address": "广州市玄武区中山路1号"}, ["address.mismatch"], None),
    ({"address": "江苏省深圳市南山区1号"}, ["address.mismatch"], None),
    ({"address": "广州市环市东路1号"}, ["address.no_district"], ("广东省", "广州市", None)),
    ({"address": "解放北路100号"}, ["address.no_district"], None),
    ({"address": "广州市越秀区"}, ["address.no_detail"], ("广东省", "广州市", "越秀区")),
    ({"address": "深圳市南山区"}, ["address.no_detail"], ("广东省", "深圳市", "南山区")),
    ({"address": "qwerty"}, ["address.nonsense"], None),
    ({"address": "？？？"}, ["address.nonsense"], None),
    ({"address": ""}, ["address.missing"], None),
    # dates
    ({"date": "2021/12/31"}, [], None),
    ({"date": "2021.1.5"}, [], None),
    ({"date": "2021年12月31日"}, [], None),
    ({"date": "２０２１－１２－３１"}, [], None),
    ({"date": "前年"}, ["purchase_date.vague"], None),
    ({"date": "大概三年前"}, ["purchase_date.vague"], None),
    ({"date": "2021年"}, ["purchase_date.vague"], None),
    ({"date": "2023-02-29"}, ["purchase_date.impossible"], None),
    ({"date": "2022/4/31"}, ["purchase_date.impossible"], None),
    ({"date": "2030-01-01"}, ["purchase_date.future"], None),
    ({"date": ""}, ["purchase_date.missing"], None),
    # models
    ({"model": "kfr-26gw/n1"}, [], None),
    ({"model": "KFR-26GW/M1"}, [], None),  # typo
    ({"model": "XQG100-B14867"}, [], None),  # swap
    ({"model": "看不清"}, ["product_model.not_a_model"], None),
    ({"model": "卧室的空调"}, ["product_model.not_a_model"], None),
    ({"model": ""}, ["product_model.missing"], None),
    # symptoms
    ({"symptom": "遥控器按了没反应"}, [], None),
    ({"symptom": "室内机滴水"}, [], None),
    ({"symptom": "开机十分钟就停机，显示F1"}, [], None),
    ({"symptom": "有问题"}, ["symptom.vague"], None),
    ({"symptom": "坏掉了，快来修"}, ["symptom.vague"], None),
    ({"symptom": "不工作了"}, ["symptom.vague"], None),
    ({"symptom": ""}, ["symptom.missing"], None),
    ({"symptom": "", "service": "install"}, [], None),
    ({"symptom": "不制热，外机噪音大"}, [], None),
]
