/* The portal's scripts: charts drawn with billboard.js (shipped with the
 * web client), the application form's payment choice, and the card
 * agent's tokenisation: the card number goes from the browser to the
 * payment agent only; the form carries back its token and masked number. */
(function () {
    'use strict';

    function drawChart() {
        var holder = document.getElementById('chart');
        var source = document.getElementById('chart-data');
        if (!holder || !source || !window.bb) {
            return;
        }
        var data = JSON.parse(source.textContent);
        var columns = [], types = {}, axes = {};
        Object.keys(data.series).forEach(function (name) {
            columns.push([name].concat(data.series[name]));
            types[name] = 'bar';
        });
        var line = data.line || {};
        Object.keys(line).forEach(function (name) {
            columns.push([name].concat(line[name]));
            types[name] = 'line';
            axes[name] = 'y2';
        });
        window.bb.generate({
            bindto: holder,
            data: {columns: columns, types: types, axes: axes},
            axis: {
                x: {type: 'category', categories: data.x,
                    tick: {culling: {max: 12}, multiline: false}},
                y: {label: 'kWh'},
                y2: {show: Object.keys(line).length > 0, label: '円'}
            },
            bar: {width: {ratio: 0.7}},
            legend: {position: 'bottom'}
        });
        holder.setAttribute('data-drawn', 'true');
    }

    function paymentChoice() {
        var radios = document.querySelectorAll('input[name=payment_kind]');
        if (!radios.length) {
            return;
        }
        function update() {
            var chosen = document.querySelector('input[name=payment_kind]:checked');
            document.querySelectorAll('.pay').forEach(function (el) {
                el.hidden = !chosen || !el.classList.contains('pay-' + chosen.value);
            });
        }
        radios.forEach(function (r) { r.addEventListener('change', update); });
        update();
    }

    function switchOnly() {
        var block = document.querySelector('.switch-only');
        if (!block) {
            return;
        }
        function update() {
            var chosen = document.querySelector('input[name=kind]:checked');
            block.hidden = chosen && chosen.value !== 'switch_in';
        }
        document.querySelectorAll('input[name=kind]').forEach(function (r) {
            r.addEventListener('change', update);
        });
        update();
    }

    function cardAgent() {
        var box = document.getElementById('card-agent');
        var button = document.getElementById('card-register');
        if (!box || !button) {
            return;
        }
        var status = document.getElementById('card-status');
        button.addEventListener('click', function () {
            var number = document.getElementById('card-number');
            var expiry = document.getElementById('card-expiry');
            status.textContent = '登録しています…';
            fetch(box.getAttribute('data-agent') + '/tokens', {
                method: 'POST',
                headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({number: number.value, expiry: expiry.value})
            }).then(function (response) {
                return response.json().then(function (body) {
                    if (!response.ok) {
                        throw new Error(body.message || 'error');
                    }
                    return body;
                });
            }).then(function (body) {
                document.getElementById('card-token').value = body.token;
                document.getElementById('card-masked').value = body.masked;
                number.value = '';
                expiry.value = '';
                status.textContent = '登録しました：' + body.masked;
            }).catch(function (error) {
                status.textContent = 'カードを登録できませんでした（' + error.message + '）。';
            });
        });
    }

    // the bank and branch pickers: what is typed (kana in any script,
    // the name or the code) is looked up in the Zengin master; choosing a
    // suggestion fills the code field the form sends
    function pickers() {
        document.querySelectorAll('.picker').forEach(function (picker) {
            var input = picker.querySelector('input');
            var list = picker.querySelector('.suggestions');
            var target = document.getElementById(picker.getAttribute('data-fills'));
            var bank = picker.getAttribute('data-bank');
            var timer = null;
            function choose(item) {
                target.value = item.code;
                input.value = item.code + ' ' + item.name;
                list.innerHTML = '';
                target.dispatchEvent(new Event('change'));
            }
            function search() {
                var params = new URLSearchParams({q: input.value.trim()});
                if (bank) {
                    params.set('bank', document.getElementById(bank).value);
                }
                fetch(picker.getAttribute('data-lookup') + '?' + params, {
                    credentials: 'same-origin'
                }).then(function (response) {
                    return response.ok ? response.json() : [];
                }).then(function (items) {
                    list.innerHTML = '';
                    items.forEach(function (item) {
                        var li = document.createElement('li');
                        var button = document.createElement('button');
                        button.type = 'button';
                        button.setAttribute('role', 'option');
                        button.textContent = item.code + ' ' + item.name
                            + (item.kana ? '（' + item.kana + '）' : '');
                        button.addEventListener('click', function () {
                            choose(item);
                        });
                        li.appendChild(button);
                        list.appendChild(li);
                    });
                });
            }
            input.addEventListener('input', function () {
                clearTimeout(timer);
                timer = setTimeout(search, 250);
            });
        });
    }

    // a postal code fills the address field with prefecture, city and
    // town when it is still empty (Japan Post's data on the server)
    function postalLookup() {
        document.querySelectorAll('input[data-lookup][data-fills]').forEach(
            function (input) {
                var target = document.getElementById(input.getAttribute('data-fills'));
                input.addEventListener('change', function () {
                    var code = input.value.replace(/[^0-9０-９]/g, '');
                    if (code.length !== 7 || (target.value && target.value.trim())) {
                        return;
                    }
                    fetch(input.getAttribute('data-lookup') + '?code='
                        + encodeURIComponent(code), {credentials: 'same-origin'}
                    ).then(function (response) {
                        return response.ok ? response.json() : null;
                    }).then(function (found) {
                        if (found && !target.value.trim()) {
                            input.value = found.postal_code;
                            target.value = found.prefecture + found.city + found.town;
                            target.focus();
                        }
                    });
                });
            });
    }

    document.addEventListener('DOMContentLoaded', function () {
        drawChart();
        paymentChoice();
        switchOnly();
        cardAgent();
        pickers();
        postalLookup();
    });
}());
